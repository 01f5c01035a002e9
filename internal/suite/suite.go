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
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"

	"conformance/internal/contract"
	"conformance/internal/driver"
	"conformance/internal/expectations"
	"conformance/internal/fakeruntime"
	"conformance/internal/gate"
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
	// Improvements is how a known failure whose scenario passes is
	// judged: "fail" (default: the suite's own CI, where a stale entry
	// must go) or "notice" (an SDK's CI: green, with a notice and the
	// change to make to the expectations). Default: $IMPROVEMENTS.
	Improvements string
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
	case c.Source != "" && expectations.IsLaterBuild(c.SourceVersion.Version):
		// A later build names itself: python@1.0.17+pr.5.
		label += "@" + c.SourceVersion.Version
	case c.Source != "" && c.SourceVersion.Known():
		label += "@" + c.SourceVersion.Version + "+source"
	case c.Source != "":
		label += "+source"
	}
	if c.Runtime == RuntimeReal {
		label += ".real-runtime"
		if c.RuntimeVersion == results.NextChannel {
			// Beside the pinned runtime's run of the same build.
			label += "@next"
		}
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
	// ("0.0.0.dev0", "(devel)") or the release a later build
	// (1.0.17+pr.5) comes after, the source's (Config.SourceVersion).
	// VersionKnown is false when neither is a release's version.
	SDKVersion   string
	VersionKnown bool
	Verdict      expectations.Verdict
	ResultsDir   string
	// Tentative is how the tentative rules fared (also in Verdict).
	Tentative []results.TentativeRule
	// ExpectationsDiff is the change to make to expectations/<sdk>.yaml
	// for the run's improvements (a unified diff), if it has any.
	ExpectationsDiff string
}

// OK reports whether the run passes: no unexpected result, or with
// Config.Improvements "notice", none but improvements.
func (r *Report) OK() bool {
	if r.Config.Improvements == results.ImprovementsNotice {
		return r.Verdict.OKAllowingImprovements()
	}
	return r.Verdict.OK()
}

// StepError is a run that ended before or between its scenarios: the
// step that failed and why. Run records it as an error verdict.
type StepError struct {
	Step string // "SDK install", "driver hello", ...
	Err  error
}

func (e *StepError) Error() string { return e.Step + ": " + e.Err.Error() }
func (e *StepError) Unwrap() error { return e.Err }

// failedAt wraps err as a StepError of step; nil stays nil, and an error
// that already names its step keeps it.
func failedAt(step string, err error) error {
	var se *StepError
	if err == nil || errors.As(err, &se) {
		return err
	}
	return &StepError{Step: step, Err: err}
}

// The steps of a run, as its error verdict names them.
const (
	StepSource       = "SDK source"
	StepNext         = "next channel"
	StepContract     = "contract"
	StepExpectations = "expectations"
	StepInstall      = "SDK install"
	StepHello        = "driver hello"
	StepStdioShim    = "stdio shim build"
	StepRealRuntime  = "real runtime start"
	StepScenarios    = "scenarios"
	StepReports      = "reports"
)

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

// Run runs one SDK build in four parts: set-up (the SDK looked up once,
// its source's version, the contract and the expectations read once, the
// driver prepared and its hello, the stdio shim, the real runtime), the
// scenarios, their judgement against the expectations, and the reports
// (cucumber JSON, JUnit XML, the verdict, the expectations' diff).
//
// Every run that gets as far as a label leaves a record: one saying it
// did not finish is written first, so that a run killed halfway leaves an
// error verdict rather than nothing. A set-up that fails, or scenarios
// that do not run, end in an error verdict (the step and the tool's
// message) and a *StepError; a build this machine cannot run (a missing
// toolchain) in a "not run" record and sdk.ErrNotRunnableHere. A run that
// happened and found unexpected results returns a report that is not OK.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s, err := sdk.Lookup(cfg.SDK)
	if err != nil {
		return nil, err
	}
	u := &setUp{cfg: cfg, sdk: s}
	defer u.close()
	if cfg.Source != "" && cfg.SourceVersion == (sdk.SourceVersion{}) {
		if u.cfg.SourceVersion, err = s.DetectSourceVersion(cfg.Root, cfg.Source, cfg.StatedVersion); err != nil {
			return nil, u.fail(failedAt(StepSource, err))
		}
	}
	if err := u.begin(); err != nil {
		return nil, err
	}
	if err := u.prepare(ctx); err != nil {
		if errors.Is(err, sdk.ErrNotRunnableHere) {
			// Recorded, so that the dashboard's column says why it is
			// empty, and every gate fails on it.
			return nil, errors.Join(err, writeNotRun(u.cfg, u.next, err))
		}
		return nil, u.fail(err)
	}
	found, err := u.scenarios(ctx)
	if err != nil {
		return nil, u.fail(err)
	}
	report, err := u.judge(found)
	if err != nil {
		return nil, u.fail(err)
	}
	if err := u.report(report); err != nil {
		return nil, err
	}
	return report, nil
}

// withDefaults checks the configuration and fills in its defaults; the
// per-run configuration then passes through the run as it is.
func (c Config) withDefaults() (Config, error) {
	if c.Output == nil {
		c.Output = os.Stdout
	}
	if c.Runtime == "" {
		c.Runtime = RuntimeFake
	}
	if c.Runtime != RuntimeFake && c.Runtime != RuntimeReal {
		return c, fmt.Errorf("unknown runtime %q: use %q or %q", c.Runtime, RuntimeFake, RuntimeReal)
	}
	if c.Transport == "" {
		c.Transport = "tcp"
	}
	if c.Transport != "tcp" && c.Transport != "stdio" {
		return c, fmt.Errorf("unknown transport %q: use tcp or stdio", c.Transport)
	}
	if c.Runner == "" {
		c.Runner = "local"
	}
	if c.Runner != "local" && c.Runner != "container" {
		return c, fmt.Errorf("unknown runner %q: use local or container", c.Runner)
	}
	if c.Improvements == "" {
		c.Improvements = os.Getenv("IMPROVEMENTS")
	}
	switch c.Improvements {
	case "", results.ImprovementsFail:
		c.Improvements = results.ImprovementsFail
	case results.ImprovementsNotice:
	default:
		return c, fmt.Errorf("IMPROVEMENTS=%q: use fail (a known failure that passes fails the run: the suite's own CI) or notice (it is a notice and a diff: an SDK's CI)", c.Improvements)
	}
	if c.Parallel <= 0 {
		c.Parallel = DefaultParallel
	}
	return c, nil
}

// setUp is one run's state from its set-up on: what was found once (the
// SDK, the contract, the expectations, the driver's hello) and what must
// be stopped when the run ends.
type setUp struct {
	cfg      Config
	sdk      sdk.SDK
	dir      string // the results folder
	suite    results.Suite
	rules    []contract.Rule
	exp      expectations.File
	drive    startDriver // starts one driver, wherever drivers run
	hello    driver.Hello
	version  string
	known    bool
	shim     string
	realOpts []realruntime.Option
	shared   *realruntime.Runtime
	runtime  string // the runtime's version, as the record gives it
	// install is the published SDK version to install: Config.Version,
	// or what its next channel resolved to; next records that.
	install string
	next    *results.Next
	closers []func()
}

func (u *setUp) close() {
	for i := len(u.closers) - 1; i >= 0; i-- {
		u.closers[i]()
	}
}

// start clears the build's earlier reports and writes the record of a run
// that has not finished.
func (u *setUp) begin() error {
	u.dir = u.cfg.resultsDir()
	u.suite = results.Suite{Version: results.ReadSuiteVersion(u.cfg.Root), Commit: results.SuiteCommit(u.cfg.Root)}
	if err := os.MkdirAll(u.dir, 0o755); err != nil {
		return err
	}
	for _, f := range []string{results.FileName, reports.JUnitFile, reports.CucumberFile, ExpectationsDiffFile, "wire"} {
		if err := os.RemoveAll(filepath.Join(u.dir, f)); err != nil { // a record of this run only
			return err
		}
	}
	return u.record(&results.RunError{Step: results.StepUnfinished,
		Message: "the run started at " + time.Now().UTC().Format(time.RFC3339) + " and did not finish: killed, crashed or timed out"})
}

// prepare is the set-up: everything before the first scenario.
func (u *setUp) prepare(ctx context.Context) (err error) {
	if err := u.resolveNext(ctx); err != nil {
		return err
	}
	if u.rules, err = contract.Load(filepath.Join(u.cfg.Root, "features")); err != nil {
		return failedAt(StepContract, err)
	}
	var ids [][3]string
	for _, r := range u.rules {
		ids = append(ids, [3]string{r.ID, r.Title, r.Text})
	}
	u.suite.Rules = results.RuleSetOf(ids)
	if u.exp, err = expectations.Load(filepath.Join(u.cfg.Root, "expectations"), u.cfg.SDK); err != nil {
		return failedAt(StepExpectations, err)
	}
	if u.cfg.Runner == "container" {
		if u.drive, err = u.containers(ctx); err != nil {
			return err
		}
	} else {
		cmd, err := prepareDriver(ctx, u.sdk, sdk.Options{Root: u.cfg.Root, Version: u.install, Source: u.cfg.Source, Log: u.cfg.Output})
		if errors.Is(err, sdk.ErrNotRunnableHere) {
			return err
		}
		if err != nil {
			return failedAt(StepInstall, err)
		}
		served, server, err := driver.StartServer(ctx, cmd)
		if err != nil { // slower without it, never different
			fmt.Fprintf(u.cfg.Output, "%s: %v\n%s: each driver starts on its own instead\n", u.cfg.Label(), err, u.cfg.Label())
		}
		u.closers = append(u.closers, server.Stop)
		u.drive = func(context.Context) (*driver.Driver, error) { return driver.Start(served) }
	}
	u.closers = append(u.closers, procgroup.KillAll) // a safety net: each scenario stops its own driver
	if u.hello, err = helloOnce(ctx, u.drive); err != nil {
		return failedAt(StepHello, err)
	}
	var note string
	u.version, u.known, note = runVersion(u.cfg, u.hello)
	fmt.Fprintf(u.cfg.Output, "\n%s: SDK %s %s%s, contract generation %d, callback field %s\n",
		u.cfg.Label(), u.hello.SDK, u.hello.SDKVersion, note, u.hello.Generation, u.hello.CallbackField)

	if u.cfg.Transport == "stdio" {
		if u.shim, err = sdk.BuildStdioShim(ctx, u.cfg.Root, u.cfg.Output); err != nil {
			return failedAt(StepStdioShim, err)
		}
		if !u.hello.Has("stdio") {
			return failedAt(StepHello, errors.New("the driver has no stdio transport (capability \"stdio\")"))
		}
	}
	u.runtime = fakeruntime.Version
	if u.cfg.Runtime == RuntimeReal {
		return u.realRuntime(ctx)
	}
	return nil
}

// realRuntime starts the real runtime the scenarios share (over tcp), or
// says that each scenario starts its own (over stdio).
func (u *setUp) realRuntime(ctx context.Context) (err error) {
	u.realOpts = []realruntime.Option{realruntime.WithRoot(u.cfg.Root), realruntime.WithLog(u.cfg.Output)}
	u.runtime = realruntime.DefaultVersion
	if v := u.runtimeVersion(); v != "" {
		u.realOpts = append(u.realOpts, realruntime.WithVersion(v))
		u.runtime = v
	}
	if u.cfg.RuntimeBinary != "" {
		u.realOpts = append(u.realOpts, realruntime.WithBinary(u.cfg.RuntimeBinary))
		u.runtime = u.cfg.RuntimeBinary
	}
	if u.cfg.Transport == "stdio" {
		// Over stdio an SDK owns its runtime's lifetime: stopping, it
		// may send runtime.shutdown. So each scenario gets a runtime of
		// its own, as each app's client would spawn one.
		fmt.Fprintf(u.cfg.Output, "%s: a real runtime (package %s) per scenario\n", u.cfg.Label(), u.runtime)
		return nil
	}
	if u.shared, err = realruntime.Start(ctx, u.realOpts...); err != nil {
		return failedAt(StepRealRuntime, err)
	}
	u.closers = append(u.closers, func() { u.shared.Close() })
	// What the runtime says of itself, so that a run on another package
	// version shows that another runtime answered.
	fmt.Fprintf(u.cfg.Output, "%s: real runtime (package %s; it reports version %s, protocol %d) at %s\n",
		u.cfg.Label(), u.runtime, u.shared.Version(), u.shared.ProtocolVersion(), u.shared.Addr())
	return nil
}

// scenarios runs the features and returns their results; a run in which
// no scenario ran is an error.
func (u *setUp) scenarios(ctx context.Context) ([]expectations.Result, error) {
	g, err := gate.FromEnv(u.cfg.Label())
	if err != nil {
		return nil, err
	}
	run := &suiteRun{expected: u.exp.For(u.version, u.known),
		progress: newProgress(u.cfg.Output, u.cfg.Label(), filepath.Join(u.cfg.Root, "features"), u.cfg.Tags)}
	run.env = steps.Env{StartDriver: u.drive, Hello: u.hello, ResultsDir: u.dir, RuntimeKind: u.cfg.Runtime, StdioShim: u.shim, Runner: u.cfg.Runner,
		RealOpts: u.realOpts, SharedReal: u.shared, Gate: g, Finished: run.finished}
	suite := godog.TestSuite{
		Name:                "bearer-token-" + u.cfg.Label(),
		ScenarioInitializer: func(sctx *godog.ScenarioContext) { steps.Initialize(sctx, &run.env) },
		Options: &godog.Options{
			// The terminal gets the progress lines (see progress); godog
			// writes only cucumber.json (made valid for Cucumber's schema
			// by reports.Write). junit.xml comes from the verdict, which
			// knows what godog does not: not applicable, expected failure.
			Format:         "cucumber:" + filepath.Join(u.dir, reports.CucumberFile),
			Output:         io.Discard,
			Paths:          []string{filepath.Join(u.cfg.Root, "features")},
			Tags:           u.cfg.Tags,
			Strict:         true,
			Concurrency:    u.cfg.Parallel,
			DefaultContext: ctx,
		},
	}
	status := suite.Run()
	if len(run.results) == 0 {
		return nil, failedAt(StepScenarios, fmt.Errorf("godog ran no scenario (status %d); check the tag filter %q", status, u.cfg.Tags))
	}
	if err := ctx.Err(); err != nil {
		return nil, failedAt(StepScenarios, fmt.Errorf("interrupted after %d scenarios: %w", len(run.results), err))
	}
	return run.results, nil
}

// judge judges the results against the build's expectations and, for
// the known failures that no longer happen, makes the change to make to
// the expectations file.
func (u *setUp) judge(found []expectations.Result) (*Report, error) {
	report := &Report{Label: u.cfg.Label(), Config: u.cfg, Hello: u.hello, SDKVersion: u.version, VersionKnown: u.known,
		Verdict: u.exp.For(u.version, u.known).Verdict(found), ResultsDir: u.dir}
	report.Tentative = tentativeRules(u.rules, report.Verdict)
	if len(report.Verdict.Improvements) > 0 {
		name := filepath.Join("expectations", u.cfg.SDK+".yaml")
		data, err := os.ReadFile(filepath.Join(u.cfg.Root, name))
		if err != nil {
			return nil, failedAt(StepExpectations, err)
		}
		if report.ExpectationsDiff, err = expectations.ImprovementDiff(filepath.ToSlash(name), data, report.Verdict.Improvements, u.version, u.known); err != nil {
			return nil, failedAt(StepExpectations, err)
		}
	}
	return report, nil
}

// ExpectationsDiffFile is the run's expectations diff in its folder.
const ExpectationsDiffFile = "expectations.diff"

// report writes the run's record, its reports and its diff, and prints
// the verdict.
func (u *setUp) report(r *Report) error {
	diffFile := ""
	if r.ExpectationsDiff != "" {
		diffFile = ExpectationsDiffFile
		if err := os.WriteFile(filepath.Join(u.dir, diffFile), []byte(r.ExpectationsDiff), 0o644); err != nil {
			return err
		}
	}
	rec := u.runRecord()
	rec.SDKVersion, rec.OK, rec.Verdict, rec.Tentative, rec.ExpectationsDiff = r.SDKVersion, r.OK(), r.Verdict, r.Tentative, diffFile
	if err := rec.Write(u.dir); err != nil {
		return err
	}
	if err := reports.Write(u.dir, u.cfg.Root); err != nil {
		return fmt.Errorf("%s: reports: %w", u.cfg.Label(), err)
	}
	printVerdict(u.cfg.Output, r)
	return nil
}

// fail records err, a run that ended before or between its scenarios, as
// an error verdict with its reports, and returns it.
func (u *setUp) fail(err error) error {
	var se *StepError
	if !errors.As(err, &se) {
		se = &StepError{Step: StepReports, Err: err}
	}
	if u.dir == "" {
		if serr := u.begin(); serr != nil {
			return errors.Join(err, serr)
		}
	}
	fmt.Fprintf(u.cfg.Output, "\n%s: DID NOT RUN: %s\n", u.cfg.Label(), se)
	rerr := u.record(&results.RunError{Step: se.Step, Message: se.Err.Error()})
	if rerr == nil {
		rerr = reports.Write(u.dir, u.cfg.Root)
	}
	return errors.Join(fmt.Errorf("%s: %w", u.cfg.Label(), err), rerr)
}

// record writes the run's record with runErr (nil: none).
func (u *setUp) record(runErr *results.RunError) error {
	rec := u.runRecord()
	rec.Error = runErr
	return rec.Write(u.dir)
}

// runRecord is the record's description of the build and the suite.
func (u *setUp) runRecord() results.Run {
	c := u.cfg
	return results.Run{
		Label: c.Label(), SDK: c.SDK, SDKVersion: u.hello.SDKVersion, RequestedVersion: c.Version, Source: c.Source, Tags: c.Tags,
		Generation: u.hello.Generation, CallbackField: u.hello.CallbackField, Runtime: c.Runtime, RuntimeVersion: u.runtime,
		Runner: c.Runner, Transport: c.Transport, FinishedAt: time.Now().UTC().Format(time.RFC3339),
		Improvements: c.Improvements, Suite: u.suite, SuiteCommit: u.suite.Commit, Next: u.next,
	}
}

// prepareDriver installs the SDK and its driver (sdk.SDK.Prepare); a
// variable so that a test can give a driver that fails.
var prepareDriver = func(ctx context.Context, s sdk.SDK, o sdk.Options) (driver.Command, error) { return s.Prepare(ctx, o) }

// startDriver starts one driver for a scenario, wherever drivers run.
type startDriver func(context.Context) (*driver.Driver, error)

// runVersion is the version a run takes the SDK for (see
// Report.SDKVersion), whether it is a release's, and what the run's header
// line says of it besides the driver's own word.
func runVersion(cfg Config, hello driver.Hello) (version string, known bool, note string) {
	reported := hello.SDKVersion
	stated := strings.TrimPrefix(cfg.SourceVersion.Version, "v")
	switch {
	case expectations.IsLaterBuild(stated) && (sdk.IsPlaceholderVersion(reported) || strings.HasPrefix(stated, reported+"+")):
		// A pull request's build declares the release it comes after, or
		// a placeholder: judged as the later build it is.
		return stated, true, fmt.Sprintf(", run as %s (%s)", stated, cfg.SourceVersion.From)
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
func writeNotRun(cfg Config, next *results.Next, why error) error {
	dir := cfg.resultsDir()
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return results.Run{
		Label: cfg.Label(), SDK: cfg.SDK, RequestedVersion: cfg.Version, Source: cfg.Source, Tags: cfg.Tags,
		Runtime: cfg.Runtime, Runner: cfg.Runner, Transport: cfg.Transport, Next: next,
		FinishedAt: time.Now().UTC().Format(time.RFC3339), NotRun: why.Error(),
	}.Write(dir)
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
	if r.Config.Improvements == results.ImprovementsNotice {
		for _, k := range v.Improvements {
			fmt.Fprintf(w, "  IMPROVEMENT         %s passes; expectations/%s.yaml lists it as a known failure in versions %s: the change to make is in %s\n",
				k.Scenario, r.Config.SDK, k.Versions.Written(), filepath.Join(r.ResultsDir, ExpectationsDiffFile))
		}
	} else {
		for _, j := range v.UnexpectedPasses {
			fmt.Fprintf(w, "  UNEXPECTED PASS     %s (listed as a known failure: %s); remove it from expectations/%s.yaml or narrow its versions (%s)\n",
				j.Scenario, j.Reason, r.Config.SDK, filepath.Join(r.ResultsDir, ExpectationsDiffFile))
		}
	}
	for _, k := range v.Stale {
		if r.Config.Improvements == results.ImprovementsNotice && slices.ContainsFunc(v.Improvements, func(i expectations.KnownFailure) bool { return i.Scenario == k.Scenario }) {
			continue
		}
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
