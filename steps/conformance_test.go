package steps_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"conformance/internal/sdk"
	"conformance/steps"
)

// TestConformance runs the features against each SDK named in $SDK
// (comma-separated, or "all"; default "node,go"), with $SDK_VERSION,
// $SDK_SOURCE and $TAGS passed through. It fails on unexpected results only.
func TestConformance(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	names := strings.Split(envOr("SDK", "node,go"), ",")
	all := len(names) == 1 && names[0] == "all"
	if all {
		names = sdk.Names()
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			report, err := steps.Run(context.Background(), steps.Config{
				SDK: strings.TrimSpace(name), Root: root,
				Version: os.Getenv("SDK_VERSION"), Source: os.Getenv("SDK_SOURCE"), Tags: os.Getenv("TAGS"),
			})
			var missing *sdk.MissingToolchainError
			if all && errors.As(err, &missing) {
				t.Skip(err) // SDK=all runs what this machine can run, and says what it cannot
			}
			if err != nil {
				t.Fatal(err)
			}
			if !report.Verdict.OK() {
				t.Errorf("%s: %s; see %s", report.Label, report.Verdict.Summary(), report.ResultsDir)
			}
		})
	}
}

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}
