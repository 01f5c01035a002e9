// Package reports writes the files CI tools read from a run's results
// folder, and checks them against the schemas those tools use:
//
//   - junit.xml, written from the run's verdict (not from godog's JUnit
//     formatter, which reports what godog saw: a not-applicable scenario
//     as errors, an expected failure as a failure), valid against the
//     Jenkins xunit JUnit schema (schema/junit-10.xsd);
//   - cucumber.json, godog's, made valid against Cucumber's JSON schema
//     (schema/cucumber-js.schema.json);
//   - verdict.json, the suite's own record (internal/results), described by
//     schema/verdict.schema.json.
package reports

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"conformance/internal/results"
)

// The report files in a run's results folder.
const (
	JUnitFile    = "junit.xml"
	CucumberFile = "cucumber.json"
)

// Write writes dir's junit.xml from its verdict.json, and makes godog's
// cucumber.json there (if any) valid against Cucumber's schema with uris
// relative to root, the suite's checkout. Call it once per run, after
// godog has written cucumber.json and the run its verdict.json.
func Write(dir, root string) error {
	run, err := readRun(dir)
	if err != nil {
		return err
	}
	var times durations
	cucumberPath := filepath.Join(dir, CucumberFile)
	raw, err := os.ReadFile(cucumberPath)
	switch {
	case run.Error != nil:
		b, err := errorCucumber(run)
		if err != nil {
			return err
		}
		if err := os.WriteFile(cucumberPath, b, 0o644); err != nil {
			return err
		}
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return err
	default:
		fixed, t, err := fixCucumber(raw, root)
		if err != nil {
			return fmt.Errorf("%s: %w", cucumberPath, err)
		}
		if err := os.WriteFile(cucumberPath, fixed, 0o644); err != nil {
			return err
		}
		times = t
	}
	junit, err := JUnit(run, times)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, JUnitFile), junit, 0o644)
}

func readRun(dir string) (results.Run, error) {
	path := filepath.Join(dir, results.FileName)
	b, err := os.ReadFile(path)
	if err != nil {
		return results.Run{}, err
	}
	var run results.Run
	if err := json.Unmarshal(b, &run); err != nil {
		return results.Run{}, fmt.Errorf("%s: %w", path, err)
	}
	return run, nil
}
