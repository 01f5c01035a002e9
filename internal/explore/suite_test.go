package explore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"conformance/internal/driver"
	"conformance/internal/procgroup"
	"conformance/internal/sdk"
	"conformance/internal/suite"
)

// Printed workloads run in the suite: with EXPLORE_SUITE_SDK=<sdk> (its
// toolchain needed), the When steps of a dozen generated workloads, printed
// as scenarios, run green against that SDK through suite.Run, from a copy
// of the checkout whose features/ holds only them. What the steps say is
// what the explorer did.
func TestPrintedScenariosRunInTheSuite(t *testing.T) {
	name := os.Getenv("EXPLORE_SUITE_SDK")
	if name == "" {
		t.Skip("set EXPLORE_SUITE_SDK=<sdk> to run printed scenarios against that SDK")
	}
	defer procgroup.KillAll()
	checkout, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	s, err := sdk.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd, err := s.Prepare(ctx, sdk.Options{Root: checkout})
	if err != nil {
		t.Fatal(err)
	}
	d, err := driver.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	hello, err := d.Hello(ctx)
	d.Close()
	if err != nil {
		t.Fatal(err)
	}

	root := t.TempDir()
	for _, f := range []string{"drivers", ".cache", "expectations", "go.mod"} {
		if err := os.Symlink(filepath.Join(checkout, f), filepath.Join(root, f)); err != nil {
			t.Fatal(err)
		}
	}
	var b strings.Builder
	b.WriteString("Feature: printed workloads\n  Background:\n    Given the Copilot runtime under test and a model endpoint\n" +
		"    And the SDK under test is connected to the runtime\n\n  Rule: BT-1 Printed workloads run\n    The explorer's workloads, printed, run as scenarios.\n\n")
	for seed := uint64(1); seed <= 12; seed++ {
		w := Generate(seed, hello)
		b.WriteString(Gherkin(w, Violation{Rule: "BT-1", Condition: "printed", Step: len(w.Steps) - 1}, fmt.Sprint("seed ", seed)) + "\n")
	}
	if err := os.MkdirAll(filepath.Join(root, "features"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "features", "printed.feature"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := suite.Run(ctx, suite.Config{SDK: name, Root: root, Output: os.Stdout})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Verdict.Passed) == 0 {
		t.Fatalf("no printed scenario passed: %s", rep.Verdict.Summary())
	}
	for _, f := range rep.Verdict.UnexpectedFailures {
		t.Errorf("%s: at %q: %s", f.Scenario, f.Step, f.Message)
	}
}
