package expectations

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds Parse arbitrary files, seeded with the suite's own
// expectations (and the corpus in testdata/fuzz/FuzzParse). Parse must
// never panic, and a file it accepts must be one the verdict can use: every
// entry complete, and judging with it must not panic either.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("../../expectations/*.yaml")
	for _, path := range seeds {
		if filepath.Base(path) == "differential.yaml" {
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("fuzz.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("the error does not name the file: %v", err)
			}
			return
		}
		if strings.TrimSpace(file.SDK) == "" {
			t.Fatal("accepted a file without sdk")
		}
		var results []Result
		for _, k := range file.KnownFailures {
			if strings.TrimSpace(k.Scenario) == "" || strings.TrimSpace(k.Step) == "" ||
				strings.TrimSpace(k.Message) == "" || strings.TrimSpace(k.Reason) == "" || !k.Versions.IsSet() {
				t.Fatalf("accepted an incomplete entry: %+v", k)
			}
			_ = k.Versions.String()
			results = append(results, Result{Scenario: k.Scenario, Status: Failed, Step: k.Step, Message: "x " + k.Message + " y"})
		}
		// A lone entry for all versions matches a failure made to its
		// measure, also for a build whose version is unknown.
		if len(file.KnownFailures) == 1 && file.KnownFailures[0].Versions.All() {
			if v := file.For("", false).Verdict(results); !v.OK() {
				t.Fatalf("an entry for all versions did not match its own failure: %+v", v)
			}
		}
		_ = file.For("1.0.14", true).Verdict(results)
	})
}
