// Package suite runs the conformance features against one SDK build
// (Run): it prepares the SDK's driver, picks the runner and the runtime,
// runs the features with the step definitions of package steps, judges
// the results against that SDK's expectations, and writes the reports,
// the progress lines and the verdict.
package suite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"

	"conformance/internal/driver"
	"conformance/internal/expectations"
	"conformance/internal/fakeruntime"
	"conformance/internal/procgroup"
	"conformance/internal/realruntime"
	"conformance/internal/reports"
	"conformance/internal/results"
	"conformance/internal/sdk"
	"conformance/steps"
)

// Which runtime the SDKs talk to (Config.Runtime).
const (
	RuntimeFake = steps.RuntimeFake
	RuntimeReal = steps.RuntimeReal
)

// Config says what to run.
type Config struct {
	SDK     string // an SDK name, see sdk.Names
	Version string // a published SDK version instead of the pinned one
	Source  string // a local SDK checkout or package instead of the registry's
	Root    string // the suite's checkout
	// StatedVersion is the user's word for the version of Source
	// (SDK_SOURCE_VERSION), and SourceVersion the version of Source as
	// WithSourceVersion found it: stated, declared by the source, or from
	// its release tag or archive name.
	StatedVersion string
	SourceVersion sdk.SourceVersion
	// Tags is a godog tag expression that selects scenarios, e.g. "@BT-4".
	Tags string
	// Runtime is RuntimeFake (default) or RuntimeReal.
	Runtime string
	// RuntimeVersion and RuntimeBinary pick the real runtime: a version of
	// its npm package, or a copilot-runtime binary.
	RuntimeVersion, RuntimeBinary string
	// Transport is "tcp" (default: the SDK connects to the runtime's
	// address) or "stdio" (the SDK spawns its runtime and talks over its
	// stdin/stdout: the suite's shim, relaying to the runtime under test).
	Transport string
	// Runner is "local" (default: each driver a child process) or
	// "container" (each driver in its own container, docker/<sdk>.Dockerfile).
	Runner string
	// Parallel is how many scenarios run at once (default
	// DefaultParallel; 1: one after the other). Scenarios tagged
	// steps.SerialTag run alone whatever it is.
	Parallel int
	// ResultsDir is where the reports go; default Root/results/<label>.
	ResultsDir string
	// Output gets godog's progress and the summary; default os.Stdout.
	Output io.Writer
}

// DefaultParallel is Config.Parallel's default. Most of a scenario's time
// is waiting (for a driver to start, a 3 s callback, a token request's
// answer), not computing: on two cores, four at once take python's
// fake-runtime run from 33 s to 15 s, two to 21 s, eight to 15 s.
const DefaultParallel = 4

// Label names the run: the SDK build ("node", "node@1.0.4",
// "java@1.0.11+source" for a build from SDK_SOURCE whose version is known,
// "java+source" when it is not), and ".real-runtime" when it ran against
// the real one.
func (c Config) Label() string {
	label := c.SDK
	switch {
	case c.Version != "":
		label += "@" + c.Version
	case c.Source != "" && c.SourceVersion.Known():
		label += "@" + c.SourceVersion.Version + "+source"
	case c.Source != "":
		label += "+source"
	}
	if c.Runtime == RuntimeReal {
		label += ".real-runtime"
	}
	if c.Transport == "stdio" {
		label += ".stdio"
	}
	if c.Runner == "container" {
		label += ".container"
	}
	return label
}

// WithSourceVersion returns c with SourceVersion found, for a build from
// SDK_SOURCE (see sdk.DetectSourceVersion); other builds are returned as
// they are.
func (c Config) WithSourceVersion() (Config, error) {
	if c.Source == "" || c.SourceVersion != (sdk.SourceVersion{}) {
		return c, nil
	}
	s, err := sdk.Lookup(c.SDK)
	if err != nil {
		return c, err
	}
	c.SourceVersion, err = s.DetectSourceVersion(c.Root, c.Source, c.StatedVersion)
	return c, err
}

// Report is what a run found.
type Report struct {
	Label  string
	Config Config
	Hello  driver.Hello
	// SDKVersion is the version the run takes the SDK for, against which
	// its expectations are judged: the one the driver reports, or for a
	// build from SDK_SOURCE whose driver reports a placeholder
	// ("0.0.0.dev0", "(devel)"), the source's (Config.SourceVersion).
	// VersionKnown is false when neither is a release's version.
	SDKVersion   string
	VersionKnown bool
	Verdict      expectations.Verdict
	ResultsDir   string
	// Tentative is how the tentative rules fared (also in Verdict).
	Tentative []results.TentativeRule
}

// suiteRun is the state of one run: what its scenarios need (env, fixed
// for the run), what judges them, and the results collected.
type suiteRun struct {
	env      steps.Env
	progress *progress
	expected expectations.Build // this SDK build's known failures

	mu      sync.Mutex
	results []expectations.Result
}

// finished records a scenario's result and reports it on the terminal.
func (s *suiteRun) finished(r expectations.Result, err error) {
	s.record(r)
	s.progress.finish(s.expected.Judge(r), err)
}

func (s *suiteRun) record(r expectations.Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.results = append(s.results, r)
}

// Run prepares the SDK's driver, runs every feature against it on the
// runtime cfg names (fake or real), writes cucumber JSON, JUnit XML and a verdict, and returns
// the report. The error is for a run that could not happen; a run that
// happened and found unexpected results returns a report whose Verdict is
// not OK.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Output == nil {
		cfg.Output = os.Stdout
	}
	if cfg.Runtime == "" {
		cfg.Runtime = RuntimeFake
	}
	if cfg.Runtime != RuntimeFake && cfg.Runtime != RuntimeReal {
		return nil, fmt.Errorf("unknown runtime %q: use %q or %q", cfg.Runtime, RuntimeFake, RuntimeReal)
	}
	if cfg.Transport == "" {
		cfg.Transport = "tcp"
	}
	if cfg.Transport != "tcp" && cfg.Transport != "stdio" {
		return nil, fmt.Errorf("unknown transport %q: use tcp or stdio", cfg.Transport)
	}
	s, err := sdk.Lookup(cfg.SDK)
	if err != nil {
		return nil, err
	}
	if cfg, err = cfg.WithSourceVersion(); err != nil {
		return nil, err
	}
	if cfg.Runner == "" {
		cfg.Runner = "local"
	}
	if cfg.Runner == "container" {
		return runInContainers(ctx, cfg)
	}
	if cfg.Runner != "local" {
		return nil, fmt.Errorf("unknown runner %q: use local or container", cfg.Runner)
	}
	cmd, err := s.Prepare(ctx, sdk.Options{Root: cfg.Root, Version: cfg.Version, Source: cfg.Source, Log: cfg.Output})
	if errors.Is(err, sdk.ErrNotRunnableHere) {
		// Recorded, so that the dashboard's column says why it is empty.
		return nil, errors.Join(err, writeNotRun(cfg, err))
	}
	if err != nil {
		return nil, err
	}
	served, server, err := driver.StartServer(ctx, cmd)
	if err != nil { // slower without it, never different
		fmt.Fprintf(cfg.Output, "%s: %v\n%s: each driver starts on its own instead\n", cfg.Label(), err, cfg.Label())
	}
	defer server.Stop()
	return run(ctx, cfg, func(context.Context) (*driver.Driver, error) { return driver.Start(served) })
}

// startDriver starts one driver for a scenario, wherever drivers run.
type startDriver func(context.Context) (*driver.Driver, error)

// run runs the features with drivers started by start.
func run(ctx context.Context, cfg Config, start startDriver) (*Report, error) {
	exp, err := expectations.Load(filepath.Join(cfg.Root, "expectations"), cfg.SDK)
	if err != nil {
		return nil, err
	}
	defer procgroup.KillAll() // a safety net: each scenario stops its own driver
	hello, err := helloOnce(ctx, start)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.Label(), err)
	}
	version, versionKnown, versionNote := runVersion(cfg, hello)
	fmt.Fprintf(cfg.Output, "\n%s: SDK %s %s%s, contract generation %d, callback field %s\n",
		cfg.Label(), hello.SDK, hello.SDKVersion, versionNote, hello.Generation, hello.CallbackField)

	resultsDir := cfg.resultsDir()
	if err := os.MkdirAll(resultsDir, 0o755); err != nil {
		return nil, err
	}
	stdioShim := ""
	if cfg.Transport == "stdio" {
		if stdioShim, err = sdk.BuildStdioShim(ctx, cfg.Root, cfg.Output); err != nil {
			return nil, err
		}
		if !hello.Has("stdio") {
			return nil, fmt.Errorf("%s: the driver has no stdio transport (capability \"stdio\")", cfg.Label())
		}
	}
	runtimeVersion := fakeruntime.Version
	var realOpts []realruntime.Option
	var sharedReal *realruntime.Runtime
	if cfg.Runtime == RuntimeReal {
		realOpts = []realruntime.Option{realruntime.WithRoot(cfg.Root), realruntime.WithLog(cfg.Output)}
		runtimeVersion = realruntime.DefaultVersion
		if cfg.RuntimeVersion != "" {
			realOpts = append(realOpts, realruntime.WithVersion(cfg.RuntimeVersion))
			runtimeVersion = cfg.RuntimeVersion
		}
		if cfg.RuntimeBinary != "" {
			realOpts = append(realOpts, realruntime.WithBinary(cfg.RuntimeBinary))
			runtimeVersion = cfg.RuntimeBinary
		}
		if cfg.Transport == "stdio" {
			// Over stdio an SDK owns its runtime's lifetime: stopping, it
			// may send runtime.shutdown. So each scenario gets a runtime of
			// its own, as each app's client would spawn one.
			fmt.Fprintf(cfg.Output, "%s: a real runtime (package %s) per scenario\n", cfg.Label(), runtimeVersion)
		} else {
			if sharedReal, err = realruntime.Start(ctx, realOpts...); err != nil {
				return nil, fmt.Errorf("%s: %w", cfg.Label(), err)
			}
			defer sharedReal.Close()
			// What the runtime says of itself, so that a run on another
			// package version shows that another runtime answered.
			fmt.Fprintf(cfg.Output, "%s: real runtime (package %s; it reports version %s, protocol %d) at %s\n",
				cfg.Label(), runtimeVersion, sharedReal.Version(), sharedReal.ProtocolVersion(), sharedReal.Addr())
		}
	}
	if err := os.RemoveAll(filepath.Join(resultsDir, "wire")); err != nil { // a record per scenario of this run only
		return nil, err
	}
	run := &suiteRun{expected: exp.For(version, versionKnown),
		progress: newProgress(cfg.Output, cfg.Label(), filepath.Join(cfg.Root, "features"), cfg.Tags)}
	if cfg.Parallel <= 0 {
		cfg.Parallel = DefaultParallel
	}
	run.env = steps.Env{StartDriver: start, Hello: hello, ResultsDir: resultsDir, RuntimeKind: cfg.Runtime, StdioShim: stdioShim, Runner: cfg.Runner,
		RealOpts: realOpts, SharedReal: sharedReal, Gate: &steps.Gate{}, Finished: run.finished}
	suite := godog.TestSuite{
		Name:                "bearer-token-" + cfg.Label(),
		ScenarioInitializer: func(sctx *godog.ScenarioContext) { steps.Initialize(sctx, &run.env) },
		Options: &godog.Options{
			// The terminal gets the progress lines (see progress); godog
			// writes only cucumber.json (made valid for Cucumber's schema
			// by reports.Write). junit.xml comes from the verdict, which
			// knows what godog does not: not applicable, expected failure.
			Format:         "cucumber:" + filepath.Join(resultsDir, reports.CucumberFile),
			Output:         io.Discard,
			Paths:          []string{filepath.Join(cfg.Root, "features")},
			Tags:           cfg.Tags,
			Strict:         true,
			Concurrency:    cfg.Parallel,
			DefaultContext: ctx,
		},
	}
	status := suite.Run()
	if len(run.results) == 0 {
		return nil, fmt.Errorf("%s: godog ran no scenario (status %d); check the tag filter %q", cfg.Label(), status, cfg.Tags)
	}
	report := &Report{Label: cfg.Label(), Config: cfg, Hello: hello, SDKVersion: version, VersionKnown: versionKnown,
		Verdict: run.expected.Verdict(run.results), ResultsDir: resultsDir}
	if report.Tentative, err = tentativeRules(filepath.Join(cfg.Root, "features"), report.Verdict); err != nil {
		return nil, err
	}
	if err := writeVerdict(report, runtimeVersion); err != nil {
		return nil, err
	}
	if err := reports.Write(resultsDir, cfg.Root); err != nil {
		return nil, fmt.Errorf("%s: reports: %w", cfg.Label(), err)
	}
	printVerdict(cfg.Output, report)
	return report, nil
}

// runVersion is the version a run takes the SDK for (see
// Report.SDKVersion), whether it is a release's, and what the run's header
// line says of it besides the driver's own word.
func runVersion(cfg Config, hello driver.Hello) (version string, known bool, note string) {
	reported := hello.SDKVersion
	switch {
	case !sdk.IsPlaceholderVersion(reported):
		if cfg.SourceVersion.Known() && strings.TrimPrefix(cfg.SourceVersion.Version, "v") != reported {
			note = fmt.Sprintf(" (the source was taken for %s: %s)", cfg.SourceVersion.Version, cfg.SourceVersion.From)
		}
		return reported, true, note
	case cfg.SourceVersion.Known():
		return cfg.SourceVersion.Version, true, fmt.Sprintf(", run as %s (%s)", cfg.SourceVersion.Version, cfg.SourceVersion.From)
	case cfg.Source != "":
		return reported, false, ", " + cfg.SourceVersion.String()
	}
	return reported, false, ", version unknown"
}

// helloOnce starts the driver once before the scenarios, so that a driver
// that cannot start fails the run with one clear message instead of every
// scenario, and so the run knows the SDK version and generation.
func helloOnce(ctx context.Context, start startDriver) (driver.Hello, error) {
	ctx, cancel := context.WithTimeout(ctx, steps.DriverStartTimeout)
	defer cancel()
	d, err := start(ctx)
	if err != nil {
		return driver.Hello{}, err
	}
	defer d.Close()
	h, err := d.Hello(ctx)
	if err != nil {
		return driver.Hello{}, fmt.Errorf("driver hello: %w", err)
	}
	if h.SDK == "" || h.SDKVersion == "" || h.Generation == 0 {
		return driver.Hello{}, fmt.Errorf("driver hello is missing sdk, sdkVersion or generation: %+v", h)
	}
	return h, nil
}

func (cfg Config) resultsDir() string {
	if cfg.ResultsDir != "" {
		return cfg.ResultsDir
	}
	return filepath.Join(cfg.Root, "results", cfg.Label())
}

// writeNotRun records a build this machine cannot run, in place of any
// earlier record of the same build.
func writeNotRun(cfg Config, why error) error {
	dir := cfg.resultsDir()
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return results.Run{
		Label: cfg.Label(), SDK: cfg.SDK, RequestedVersion: cfg.Version, Source: cfg.Source, Tags: cfg.Tags,
		Runtime: cfg.Runtime, Runner: cfg.Runner, Transport: cfg.Transport,
		FinishedAt: time.Now().UTC().Format(time.RFC3339), NotRun: why.Error(),
	}.Write(dir)
}

func writeVerdict(r *Report, runtimeVersion string) error {
	return results.Run{
		Label: r.Label, SDK: r.Config.SDK, SDKVersion: r.SDKVersion, RequestedVersion: r.Config.Version,
		Source: r.Config.Source, Tags: r.Config.Tags, Generation: r.Hello.Generation, CallbackField: r.Hello.CallbackField,
		Runtime: r.Config.Runtime, RuntimeVersion: runtimeVersion, Runner: r.Config.Runner, Transport: r.Config.Transport,
		FinishedAt: time.Now().UTC().Format(time.RFC3339), OK: r.Verdict.OK(), Verdict: r.Verdict, Tentative: r.Tentative,
	}.Write(r.ResultsDir)
}

func printVerdict(w io.Writer, r *Report) {
	v, _ := splitTentative(r.Verdict) // the tentative rules are listed apart, below
	fmt.Fprintf(w, "\n%s (%s %s, generation %d): %s\n", r.Label, r.Hello.SDK, r.SDKVersion, r.Hello.Generation, v.Summary())
	for _, j := range v.UnexpectedFailures {
		fmt.Fprintf(w, "  UNEXPECTED FAILURE  %s: at step %q: %s\n", j.Scenario, j.Step, j.Message)
		if j.Note != "" {
			fmt.Fprintf(w, "                      (%s)\n", j.Note)
		}
	}
	for _, j := range v.UnexpectedPasses {
		fmt.Fprintf(w, "  UNEXPECTED PASS     %s (listed as a known failure: %s); remove it from expectations/%s.yaml\n", j.Scenario, j.Reason, r.Hello.SDK)
	}
	for _, k := range v.Stale {
		fmt.Fprintf(w, "  STALE KNOWN FAILURE %s (%s, versions %s) did not happen in this run; update or remove it in expectations/%s.yaml\n", k.Scenario, k.Step, k.Versions, r.Hello.SDK)
	}
	for _, j := range v.ExpectedFailures {
		fmt.Fprintf(w, "  expected failure    %s: %s\n", j.Scenario, j.Reason)
	}
	for _, k := range v.NotRun {
		fmt.Fprintf(w, "  known failure not run %s (versions %s): neither confirmed nor refuted by this run\n", k.Scenario, k.Versions)
	}
	for _, j := range v.NotApplicable {
		fmt.Fprintf(w, "  not applicable      %s: %s\n", j.Scenario, j.Message)
	}
	for _, j := range append(append(append([]expectations.Judged(nil), v.Observed...), v.Passed...), v.ExpectedFailures...) {
		for _, o := range j.Observations {
			fmt.Fprintf(w, "  observed            %s: %s\n", o.Name, o.Value)
		}
	}
	printTentative(w, r.Tentative)
	fmt.Fprintf(w, "  reports: %s/{cucumber.json,junit.xml,verdict.json}\n", r.ResultsDir)
}
