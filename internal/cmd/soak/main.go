// Command soak runs the features N times against each SDK build, runtime
// and transport (make soak) and writes results/soak.json: per build and
// scenario, how many runs passed and failed, and the failure messages of
// the scenarios that did not come out the same every time. See package
// soak.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"conformance/internal/build"
	"conformance/internal/procgroup"
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
	r := s.Report(time.Now())
	if err := r.Write(filepath.Join(abs, *out)); err != nil {
		fail("writing the report: %v", err)
	}
	runs := 0
	for _, b := range r.Builds {
		runs += b.Completed
	}
	fmt.Printf("\nsoak: %d runs of %d builds in %s; %d flaky scenarios; %s\n", runs, len(r.Builds), time.Duration(r.Seconds*float64(time.Second)).Round(time.Second), len(r.Flaky), *out)
	for _, f := range r.Flaky {
		fmt.Printf("  FLAKY  %s\n", f)
	}
	if !r.OK() {
		os.Exit(1)
	}
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
