package steps_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"conformance/internal/build"
	"conformance/internal/results"
	"conformance/internal/sdk"
	"conformance/internal/suite"
)

// TestConformance runs the features against each build named in $SDK, as
// package build reads it (e.g. "node,go,node@1.0.4",
// "java+sdk-java-1.0.4.tar.gz", or "all" for every SDK with a driver);
// default "node,go". $SDK_VERSION, $SDK_SOURCE and $TAGS apply to every entry
// without its own version. $RUNTIME is fake (default), real, or "fake,real"
// for both; $RUNTIME_VERSION and $RUNTIME_BINARY pick the real runtime;
// $TRANSPORT is tcp (default), stdio or "tcp,stdio"; $RUNNER is local
// (default) or container; $CONFORMANCE_RESULTS, when set, is the folder
// of the reports instead of results/. Each build runs through suite.Run, as the command
// lines (matrix, soak, mutants) do. It fails on unexpected results only,
// and ends with a summary table when it ran more than one SDK build.
func TestConformance(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	spec := envOr("SDK", "node,go")
	all := build.IsAll(spec)
	builds, err := build.ParseBuilds(spec, build.Defaults{Version: os.Getenv("SDK_VERSION"), Source: os.Getenv("SDK_SOURCE"), Dir: root})
	if err != nil {
		t.Fatal(err)
	}
	cells, err := build.Expand(builds, envOr("RUNTIME", suite.RuntimeFake), envOr("TRANSPORT", "tcp"), os.Getenv("RUNNER"))
	if err != nil {
		t.Fatal(err)
	}
	parallel := 0 // suite.DefaultParallel
	if p := os.Getenv("PARALLEL"); p != "" {
		if parallel, err = strconv.Atoi(p); err != nil || parallel < 1 {
			t.Fatalf("PARALLEL=%q: want how many scenarios run at once, a number from 1", p)
		}
	}
	configs := suite.Configs(suite.Config{StatedVersion: os.Getenv("SDK_SOURCE_VERSION"), Root: root, Tags: os.Getenv("TAGS"),
		RuntimeVersion: os.Getenv("RUNTIME_VERSION"), RuntimeBinary: os.Getenv("RUNTIME_BINARY"), Parallel: parallel}, cells)
	if dir := os.Getenv("CONFORMANCE_RESULTS"); dir != "" { // a soak's round of builds side by side
		for i := range configs {
			configs[i].ResultsDir = filepath.Join(dir, configs[i].Label())
		}
	}
	var rows []suite.SummaryRow
	for _, cfg := range configs {
		t.Run(cfg.Label(), func(t *testing.T) {
			report, err := suite.Run(context.Background(), cfg)
			if err != nil {
				rows = append(rows, suite.SummaryRow{Label: cfg.Label(), Problem: err.Error()})
				if (all || cfg.Version == results.NextChannel) && errors.Is(err, sdk.ErrNotRunnableHere) {
					// SDK=all runs what this machine can run, and says what
					// it cannot; so does a next channel that resolved to a
					// version without the callback (its record says why).
					t.Skip(err)
				}
				t.Fatal(err)
			}
			rows = append(rows, suite.SummaryRow{Label: cfg.Label(), Report: report})
			if !report.OK() { // with IMPROVEMENTS=notice, improvements pass
				t.Errorf("%s: %s; see %s", report.Label, report.Verdict.Summary(), report.ResultsDir)
			}
		})
	}
	if len(rows) > 1 {
		fmt.Printf("\n%s", suite.FormatSummary(rows))
	}
}

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}
