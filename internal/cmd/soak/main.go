// Command soak runs the features N times against each SDK build, runtime
// and transport (make soak) and writes results/soak.json: per build and
// scenario, how many runs passed and failed, and the failure messages of
// the scenarios that did not come out the same every time. See package
// soak.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"conformance/internal/build"
	"conformance/internal/procgroup"
	"conformance/internal/results"
	"conformance/internal/sidebyside"
	"conformance/internal/soak"
	"conformance/internal/suite"
)

func main() {
	n := flag.Int("n", 20, "runs per build")
	sdks := flag.String("sdk", "node,go", "SDK builds: "+build.Syntax+", comma-separated")
	runtimes := flag.String("runtime", "fake,real", "comma-separated runtimes: fake, real")
	transports := flag.String("transport", "tcp,stdio", "comma-separated transports: tcp, stdio")
	tags := flag.String("tags", "", "a godog tag expression that selects scenarios")
	version := flag.String("version", "", "a published SDK version for the builds named without one (SDK_VERSION)")
	source := flag.String("source", "", "a local SDK checkout or package instead of the registry's (SDK_SOURCE)")
	root := flag.String("root", ".", "the suite's checkout")
	out := flag.String("out", "results/soak.json", "where to write the report")
	parallel := flag.Int("parallel", 0, "scenarios of a run at once (PARALLEL; 0: suite.DefaultParallel)")
	atOnce := flag.Int("at-once", 1, "builds run side by side, each in a process of its own, as make test runs them (internal/sidebyside); 1: one run after the other in this process")
	flag.Parse()
	defer procgroup.KillAll()
	if *n < 1 {
		fail("-n must be at least 1")
	}
	abs, err := filepath.Abs(*root)
	if err != nil {
		fail("%v", err)
	}
	configs := buildConfigs(abs, *sdks, *runtimes, *transports, *tags, *version, *source)
	for i := range configs {
		configs[i].Parallel = *parallel
	}

	s := soak.New(*n, time.Now())
	logDir := filepath.Join(abs, "results", "soak")
	if *atOnce > 1 {
		builds, err := build.ParseBuilds(*sdks, build.Defaults{Version: *version, Source: *source})
		if err != nil {
			fail("%v", err)
		}
		soakSideBySide(s, abs, logDir, *n, *atOnce, builds, *runtimes, *transports, *tags, *parallel)
		finish(s, abs, *out)
		return
	}
	for run := 1; run <= *n; run++ {
		for _, cfg := range configs {
			label := cfg.Label()
			// Each run's reports and progress go under results/soak/, so
			// the dashboard's results/<label> stay those of make conformance.
			cfg.ResultsDir = filepath.Join(logDir, label)
			log, err := os.Create(filepath.Join(logDir, fmt.Sprintf("%s.run-%d.log", label, run)))
			if err != nil {
				fail("%v", err)
			}
			cfg.Output = log
			start := time.Now()
			report, err := suite.Run(context.Background(), cfg)
			took := time.Since(start)
			_ = log.Close()
			if err != nil {
				s.AddError(label, run, err, took)
				fmt.Printf("soak %d/%d %s: could not run: %v\n", run, *n, label, firstLine(err.Error()))
				continue
			}
			s.AddRun(label, report.Verdict, took)
			fmt.Printf("soak %d/%d %s: %s (%s)\n", run, *n, label, report.Verdict.Summary(), took.Round(time.Second))
		}
	}
	finish(s, abs, *out)
}

// finish writes the soak's report and prints what flaked; it exits 1 when
// a scenario did not come out the same every time.
func finish(s *soak.Soak, abs, out string) {
	r := s.Report(time.Now())
	if err := r.Write(filepath.Join(abs, out)); err != nil {
		fail("writing the report: %v", err)
	}
	runs := 0
	for _, b := range r.Builds {
		runs += b.Completed
	}
	fmt.Printf("\nsoak: %d runs of %d builds in %s; %d flaky scenarios; %s\n", runs, len(r.Builds), time.Duration(r.Seconds*float64(time.Second)).Round(time.Second), len(r.Flaky), out)
	for _, f := range r.Flaky {
		fmt.Printf("  FLAKY  %s\n", f)
	}
	if !r.OK() {
		os.Exit(1)
	}
}

// soakSideBySide runs the builds n times, each round as make test runs
// them: side by side, at most atOnce at a time, each build's cells in a
// process of its own. Each round's reports go to results/soak/round-<k>/,
// and every verdict found there is tallied.
func soakSideBySide(s *soak.Soak, root, logDir string, n, atOnce int, builds []build.Build, runtimes, transports, tags string, parallel int) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	binary, removeBinary, err := sidebyside.CompileTestBinary(ctx, root, os.Getenv("GO"), os.Stderr)
	if err != nil {
		fail("%v", err)
	}
	defer removeBinary()
	var jobs []sidebyside.Job
	for _, b := range builds {
		jobs = append(jobs, sidebyside.Job{Build: b.String(), Runtime: runtimes, Transport: transports})
	}
	for run := 1; run <= n; run++ {
		round := filepath.Join(logDir, fmt.Sprintf("round-%d", run))
		if err := os.RemoveAll(round); err != nil {
			fail("%v", err)
		}
		env := []string{"CONFORMANCE_RESULTS=" + round, "TAGS=" + tags}
		if parallel > 0 {
			env = append(env, fmt.Sprintf("PARALLEL=%d", parallel))
		}
		start := time.Now()
		outcomes := sidebyside.Run(ctx, jobs, sidebyside.Options{TestBinary: binary, StepsDir: filepath.Join(root, "steps"),
			AtOnce: atOnce, LogDir: filepath.Join(round, "logs"), Output: io.Discard, Env: env})
		took := time.Since(start)
		runs, err := results.LoadAll(round)
		if err != nil {
			fail("reading round %d's verdicts: %v", run, err)
		}
		for _, r := range runs {
			if r.NotRun != "" {
				s.AddError(r.Label, run, errors.New(r.NotRun), took)
				continue
			}
			if r.Error != nil { // the run did not get to a verdict
				s.AddError(r.Label, run, fmt.Errorf("%s: %s", r.Error.Step, r.Error.Message), took)
				continue
			}
			s.AddRun(r.Label, r.Verdict, took)
			fmt.Printf("soak %d/%d %s: %s\n", run, n, r.Label, r.Verdict.Summary())
		}
		for i, o := range outcomes {
			if !o.OK && !hasVerdictOf(runs, builds[i].SDK) {
				s.AddError(o.Job.Name(), run, fmt.Errorf("no verdict (%v); see %s", o.Err, o.Log), o.Wall)
				fmt.Printf("soak %d/%d %s: could not run: %v (%s)\n", run, n, o.Job.Name(), o.Err, o.Log)
			}
		}
		fmt.Printf("soak round %d/%d: %d builds side by side in %s\n", run, n, len(jobs), took.Round(time.Second))
		if ctx.Err() != nil {
			fail("interrupted")
		}
	}
}

// hasVerdictOf says whether a round wrote a verdict of the SDK.
func hasVerdictOf(runs []results.Run, sdkName string) bool {
	for _, r := range runs {
		if r.SDK == sdkName {
			return true
		}
	}
	return false
}

// buildConfigs is every combination of build, runtime and transport, as
// make conformance spells them (package build).
func buildConfigs(root, sdks, runtimes, transports, tags, defaultVersion, source string) []suite.Config {
	builds, err := build.ParseBuilds(sdks, build.Defaults{Version: defaultVersion, Source: source})
	if err != nil {
		fail("%v", err)
	}
	cells, err := build.Expand(builds, runtimes, transports, "local")
	if err != nil {
		fail("%v", err)
	}
	if err := os.MkdirAll(filepath.Join(root, "results", "soak"), 0o755); err != nil {
		fail("%v", err)
	}
	return suite.Configs(suite.Config{Root: root, Tags: tags}, cells)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "soak: "+format+"\n", args...)
	procgroup.KillAll()
	os.Exit(2)
}
