package steps_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"conformance/internal/sdk"
	"conformance/internal/suite"
)

// TestConformance runs the features against each SDK named in $SDK: a
// comma-separated list of names, each optionally with @<version> (e.g.
// "node,go,node@1.0.4") or +<SDK_SOURCE> (e.g. "java+sdk-java-1.0.4.tar.gz"),
// or "all" for every SDK with a driver; default
// "node,go". $SDK_VERSION, $SDK_SOURCE and $TAGS apply to every entry
// without its own version. $RUNTIME is fake (default), real, or "fake,real"
// for both; $RUNTIME_VERSION and $RUNTIME_BINARY pick the real runtime;
// $TRANSPORT is tcp (default), stdio or "tcp,stdio"; $RUNNER is local
// (default) or container. Each build runs through suite.Run, as the command
// lines (matrix, soak, mutants) do. It fails on unexpected results only,
// and ends with a summary table when it ran more than one SDK build.
func TestConformance(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	entries := strings.Split(envOr("SDK", "node,go"), ",")
	all := len(entries) == 1 && strings.TrimSpace(entries[0]) == "all"
	if all {
		entries = sdk.Names()
	}
	parallel := 0 // suite.DefaultParallel
	if p := os.Getenv("PARALLEL"); p != "" {
		if parallel, err = strconv.Atoi(p); err != nil || parallel < 1 {
			t.Fatalf("PARALLEL=%q: want how many scenarios run at once, a number from 1", p)
		}
	}
	var configs []suite.Config
	for _, transport := range strings.Split(envOr("TRANSPORT", "tcp"), ",") {
		for _, runtime := range strings.Split(envOr("RUNTIME", suite.RuntimeFake), ",") {
			for _, entry := range entries {
				name, version, source := parseEntry(entry)
				cfg := suite.Config{SDK: name, Version: version, Source: source, StatedVersion: os.Getenv("SDK_SOURCE_VERSION"), Root: root,
					Tags: os.Getenv("TAGS"), Runtime: strings.TrimSpace(runtime), Transport: strings.TrimSpace(transport), Runner: os.Getenv("RUNNER"),
					RuntimeVersion: os.Getenv("RUNTIME_VERSION"), RuntimeBinary: os.Getenv("RUNTIME_BINARY"),
					Parallel: parallel}
				// The source's version names the build; a source that cannot
				// be read fails in Run, saying why.
				if withVersion, err := cfg.WithSourceVersion(); err == nil {
					cfg = withVersion
				}
				configs = append(configs, cfg)
			}
		}
	}
	var rows []suite.SummaryRow
	for _, cfg := range configs {
		t.Run(cfg.Label(), func(t *testing.T) {
			report, err := suite.Run(context.Background(), cfg)
			if err != nil {
				rows = append(rows, suite.SummaryRow{Label: cfg.Label(), Problem: err.Error()})
				if all && errors.Is(err, sdk.ErrNotRunnableHere) {
					t.Skip(err) // SDK=all runs what this machine can run, and says what it cannot
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

// parseEntry reads one entry of $SDK: "node", "node@1.0.4" (a published
// version), or "java+<path>" (a build from that SDK_SOURCE, e.g. a source
// archive). An entry without its own version or source takes $SDK_VERSION
// and $SDK_SOURCE.
func parseEntry(entry string) (name, version, source string) {
	entry = strings.TrimSpace(entry)
	if name, source, ok := strings.Cut(entry, "+"); ok {
		return name, "", source
	}
	name, version, _ = strings.Cut(entry, "@")
	if version == "" {
		version = os.Getenv("SDK_VERSION")
	}
	return name, version, os.Getenv("SDK_SOURCE")
}

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}
