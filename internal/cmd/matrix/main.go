// Command matrix runs the features against every published version of an
// SDK that has the callback and prints, per rule, since which version the
// SDK gets it right and which release changed it (make matrix); with
// -bisect it searches the versions for the release where one rule's
// outcome changed (make bisect). See package matrix.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"conformance/internal/build"
	"conformance/internal/matrix"
	"conformance/internal/procgroup"
	"conformance/internal/realruntime"
	"conformance/internal/results"
	"conformance/internal/sdk"
	"conformance/internal/suite"
	"conformance/internal/versions"
)

func main() {
	sdks := flag.String("sdk", "", "SDK builds: "+build.Syntax+", comma-separated; a bare name runs the versions -versions selects")
	spec := flag.String("versions", "all", "all, <from>..<to>, or <v1>,<v2>,...")
	runtime := flag.String("runtime", "fake", "fake, or real for the real runtime")
	runtimeVersions := flag.String("runtime-versions", "", "with -runtime real: real-runtime package versions, comma-separated, where all is every release and next the newest version, a prerelease included (default: the pinned one)")
	sources := flag.String("sources", "", "a folder of SDK source archives copilot-sdk-<sdk>-<version>.tar.gz, used for versions the registry does not serve")
	tags := flag.String("tags", "", "a godog tag expression narrowing the scenarios (TAGS)")
	bisect := flag.Bool("bisect", false, "search for the release where -rule's (or -scenario's) outcome changed")
	rule := flag.String("rule", "", "with -bisect: the rule, e.g. BT-8")
	scenario := flag.String("scenario", "", "with -bisect: one scenario's name instead of a rule")
	root := flag.String("root", ".", "the suite's checkout")
	out := flag.String("out", "results/matrix", "where results/matrix/<sdk>.json goes")
	parallel := flag.Int("parallel", 0, "scenarios of a run at once (PARALLEL; 0: suite.DefaultParallel)")
	flag.Parse()
	defer procgroup.KillAll()

	absRoot, err := filepath.Abs(*root)
	if err != nil {
		fail("%v", err)
	}
	if *sdks == "" {
		fail("name the SDKs: SDK=python or SDK=node,go,rust")
	}
	builds, err := build.ParseBuilds(*sdks, build.Defaults{})
	if err != nil {
		fail("%v", err)
	}
	if *runtime != "fake" && *runtime != "real" {
		fail("RUNTIME=%s: the matrix runs on one runtime, fake or real", *runtime)
	}
	if *runtimeVersions != "" && *runtime != "real" {
		fail("RUNTIME_VERSIONS needs RUNTIME=real")
	}
	ctx := context.Background()
	s := sweep{root: absRoot, runtime: *runtime, sources: *sources, parallel: *parallel}
	runtimes := []string{""}
	if *runtime == "real" {
		runtimes = []string{realruntime.DefaultVersion}
		if *runtimeVersions != "" {
			if runtimes, err = listRuntimes(ctx, *runtimeVersions); err != nil {
				fail("%v", err)
			}
		}
	}

	ok := true
	for _, name := range sdkOrder(builds) {
		list, err := versions.Published(ctx, name)
		if err != nil {
			fail("%v", err)
		}
		selected, archives, err := s.selectVersions(name, list, builds, *spec)
		if err != nil {
			fail("%s: %v", name, err)
		}
		s.built = archives
		if *bisect {
			ok = s.bisect(ctx, name, list, selected, *rule, *scenario, *tags) && ok
			continue
		}
		m, err := s.matrix(ctx, name, list, selected, runtimes, *tags)
		if err != nil {
			fail("%s: %v", name, err)
		}
		if err := m.Write(*out); err != nil {
			fail("%v", err)
		}
		fmt.Printf("\n%s  (%s)\n", m.Table(), filepath.Join(*out, name+".json"))
	}
	if !ok {
		os.Exit(1)
	}
}

// sweep runs versions of an SDK, one after another.
type sweep struct {
	root, runtime, sources string
	parallel               int
	// built are the versions to build from a source the user named
	// (SDK=java+<archive>), by version.
	built map[string]string
	// next resolves an SDK's next channel (nil: the registries').
	next func(name string) (versions.Next, error)
}

func (s sweep) resolveNext(name string) (versions.Next, error) {
	if s.next != nil {
		return s.next(name)
	}
	return versions.DefaultNext.SDK(context.Background(), name)
}

// sdkOrder lists the SDKs of the builds, each once, in order.
func sdkOrder(builds []build.Build) []string {
	var names []string
	seen := map[string]bool{}
	for _, b := range builds {
		if !seen[b.SDK] {
			seen[b.SDK] = true
			names = append(names, b.SDK)
		}
	}
	return names
}

// selectVersions is what the builds of one SDK ask for: a build with
// neither version nor source, the published versions VERSIONS selects; a
// name@version build, that version; a name+source build, the version that
// source is of, built from it.
func (s sweep) selectVersions(name string, list versions.List, builds []build.Build, spec string) ([]versions.Version, map[string]string, error) {
	var out []versions.Version
	built := map[string]string{}
	have := map[string]bool{}
	add := func(vs ...versions.Version) {
		for _, v := range vs {
			if !have[v.Version] {
				have[v.Version] = true
				out = append(out, v)
			}
		}
	}
	for _, b := range builds {
		if b.SDK != name {
			continue
		}
		switch {
		case b.Source != "":
			entry, err := sdk.Lookup(name)
			if err != nil {
				return nil, nil, err
			}
			sv, err := entry.DetectSourceVersion(s.root, b.Source, "")
			if err != nil {
				return nil, nil, err
			}
			v, ok := versions.Classify(sv.Version)
			if !ok {
				return nil, nil, fmt.Errorf("%s: the matrix orders builds by version, and this source's is %s", b, sv)
			}
			abs, err := filepath.Abs(b.Source)
			if err != nil {
				return nil, nil, err
			}
			built[v.Version] = abs
			add(v)
		case b.Version == results.NextChannel:
			// The next channel, resolved once: a prerelease is no
			// published version to Select from.
			n, err := s.resolveNext(name)
			if err != nil {
				return nil, nil, err
			}
			fmt.Printf("%s@next is %s\n", name, n)
			v := versions.Version{Version: n.Version, Generation: 2}
			if c, ok := versions.Classify(n.Version); ok {
				v = c
			} else if versions.Compare(n.Version, "1.0.4") < 0 && versions.Compare(n.Version, "0.0.0") >= 0 {
				v.Generation = 0 // before the callback: listed as such, not run
			}
			add(v)
		case b.Version != "":
			vs, err := versions.Select(list.Versions, b.Version)
			if err != nil {
				return nil, nil, err
			}
			add(vs...)
		default:
			vs, err := versions.Select(list.Versions, spec)
			if err != nil {
				return nil, nil, err
			}
			add(vs...)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return versions.Compare(out[i].Version, out[j].Version) < 0 })
	return out, built, nil
}

func (s sweep) matrix(ctx context.Context, name string, list versions.List, selected []versions.Version, runtimes []string, tags string) (matrix.Matrix, error) {
	var cells []matrix.Cell
	for _, rt := range runtimes {
		for _, v := range selected {
			if !v.HasCallback() {
				cells = append(cells, matrix.Cell{Version: v.Version, Runtime: rt})
				fmt.Printf("%s %s: no callback (before 1.0.4), not run\n", name, v.Version)
				continue
			}
			c, err := s.run(ctx, name)(ctx, v, rt, tags)
			if err != nil {
				return matrix.Matrix{}, err
			}
			cells = append(cells, c)
		}
	}
	return matrix.Build(name, list.From, cells), nil
}

func (s sweep) bisect(ctx context.Context, name string, list versions.List, selected []versions.Version, rule, scenario, userTags string) bool {
	if (rule == "") == (scenario == "") {
		fail("make bisect needs RULE=BT-n or SCENARIO=\"<name>\" (one of them)")
	}
	var withCallback []versions.Version
	for _, v := range selected {
		if v.HasCallback() {
			withCallback = append(withCallback, v)
		}
	}
	if len(withCallback) == 0 {
		fail("%s: none of the selected versions has the callback", name)
	}
	fmt.Printf("%s: bisecting %d versions with the callback (%s .. %s, from %s)\n", name, len(withCallback),
		withCallback[0].Version, withCallback[len(withCallback)-1].Version, list.From)
	tags, key := "@"+strings.TrimPrefix(rule, "@"), strings.TrimPrefix(rule, "@")
	run := s.run(ctx, name)
	if scenario != "" {
		// One scenario, judged alone as if it were a rule of its own. Its
		// rule is not known here, so every scenario runs unless TAGS
		// narrows them.
		tags, key = userTags, "scenario"
		inner := run
		run = func(ctx context.Context, v versions.Version, rt, tags string) (matrix.Cell, error) {
			c, err := inner(ctx, v, rt, tags)
			sc, ok := c.Scenarios[scenario]
			switch {
			case ok:
				sc.Rules = []string{key}
				c.Scenarios = map[string]matrix.Scenario{scenario: sc}
				c.Rules = map[string]matrix.Outcome{key: outcomeOf(sc.Status)}
			case err == nil && c.NotRun == "":
				c.NotRun = fmt.Sprintf("no scenario named %q ran", scenario)
			}
			return c, err
		}
	}
	b, err := matrix.Bisect(ctx, withCallback, key, run, tags)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bisect: %v\n", err)
		return false
	}
	fmt.Printf("\n%s", b.Report())
	return true
}

func outcomeOf(status string) matrix.Outcome {
	switch {
	case strings.HasPrefix(status, "failed"):
		return matrix.Fail
	case status == "passed":
		return matrix.Pass
	case status == "not applicable":
		return matrix.NotApplicable
	}
	return matrix.Observed
}

// run runs one version with the local runner over TCP; its reports go to
// results/<label>/ as any run's, its output to a log beside them.
func (s sweep) run(_ context.Context, name string) matrix.Runner {
	return func(ctx context.Context, v versions.Version, rt, tags string) (matrix.Cell, error) {
		cfg := suite.Config{SDK: name, Version: v.Version, Root: s.root, Tags: tags, Runtime: s.runtime, Transport: "tcp", Runner: "local",
			Parallel: s.parallel}
		if archive := s.archive(name, v.Version); archive != "" {
			cfg.Version, cfg.Source = "", archive
			// The label names the source's version (java@1.0.11+source),
			// here too, where the results folder is named before the run.
			if withVersion, err := cfg.WithSourceVersion(); err == nil {
				cfg = withVersion
			}
		}
		if rt != "" && rt != realruntime.DefaultVersion {
			cfg.RuntimeVersion = rt
			cfg.ResultsDir = filepath.Join(s.root, "results", cfg.Label()+"@"+rt)
		}
		logPath := filepath.Join(s.root, "results", "matrix", "logs", strings.ReplaceAll(cfg.Label(), "/", "_")+runtimeSuffix(rt)+".log")
		if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
			return matrix.Cell{}, err
		}
		log, err := os.Create(logPath)
		if err != nil {
			return matrix.Cell{}, err
		}
		defer log.Close()
		cfg.Output = log
		fmt.Printf("%s %s%s: ", name, v.Version, runtimeSuffix(rt))
		report, err := suite.Run(ctx, cfg)
		if err != nil {
			// A version that cannot run here (not served, does not build
			// with the driver) is a finding of the sweep, listed with why.
			fmt.Printf("not run: %s (log: %s)\n", firstLine(err.Error()), logPath)
			return matrix.Cell{Version: v.Version, Generation: v.Generation, Runtime: rt, Label: cfg.Label(), NotRun: err.Error()}, nil
		}
		rec, err := results.Load(report.ResultsDir)
		if err != nil {
			return matrix.Cell{}, err
		}
		fmt.Printf("%s\n", report.Verdict.Summary())
		return matrix.FromRun(v, rt, rec, report.ResultsDir), nil
	}
}

// archive is the source the user named for that version, or the source
// archive of that version in -sources, if any.
func (s sweep) archive(name, version string) string {
	if src, ok := s.built[version]; ok {
		return src
	}
	if s.sources == "" {
		return ""
	}
	p := filepath.Join(s.sources, fmt.Sprintf("copilot-sdk-%s-%s.tar.gz", name, strings.TrimPrefix(version, "v")))
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

// listRuntimes reads RUNTIME_VERSIONS: package versions, "all" (every
// release) and "next" (the newest version, a prerelease included:
// versions.NextRuntime), in any mix, each version once.
func listRuntimes(ctx context.Context, spec string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(vs ...string) {
		for _, v := range vs {
			if !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	for _, item := range build.List(spec) {
		switch item {
		case "all":
			all, err := versions.RuntimeVersions(ctx, realruntime.PackageName)
			if err != nil {
				return nil, fmt.Errorf("listing the real runtime's versions: %w", err)
			}
			if len(all) == 0 {
				return nil, errors.New("the npm registry lists no released version of " + realruntime.PackageName)
			}
			add(all...)
		case results.NextChannel:
			n, err := versions.DefaultNext.Runtime(ctx, realruntime.PackageName)
			if err != nil {
				return nil, err
			}
			fmt.Printf("RUNTIME_VERSIONS: next is %s\n", n)
			add(n.Version)
		default:
			add(item)
		}
	}
	return out, nil
}

func runtimeSuffix(rt string) string {
	if rt == "" {
		return ""
	}
	return " on runtime " + rt
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "matrix: "+format+"\n", args...)
	procgroup.KillAll()
	os.Exit(2)
}
