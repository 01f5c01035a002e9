package dashboard

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"conformance/internal/soak"
)

// SoakFileName is the soak report make soak writes beside the runs
// (results/soak.json); the dashboard reads it when it is there.
const SoakFileName = "soak.json"

// LoadedSoak is one soak report and the file it was read from.
type LoadedSoak struct {
	Path string
	soak.Report
}

// LoadSoaks reads the soak reports (make soak): the named files when any
// are named, each of which must be a soak report; otherwise <dir>/soak.json
// of each result folder where there is one. No report is no soak data,
// which the page does not mention.
func LoadSoaks(dirs, files []string) ([]LoadedSoak, error) {
	var out []LoadedSoak
	if len(files) > 0 {
		for _, f := range files {
			r, err := loadSoak(f)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, nil
	}
	for _, dir := range dirs {
		path := filepath.Join(dir, SoakFileName)
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			continue
		}
		r, err := loadSoak(path)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func loadSoak(path string) (LoadedSoak, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return LoadedSoak{}, fmt.Errorf("soak report %s: %w", path, err)
	}
	var r soak.Report
	if err := json.Unmarshal(b, &r); err != nil {
		return LoadedSoak{}, fmt.Errorf("soak report %s is not valid JSON of a soak report (make soak writes it): %w", path, err)
	}
	if r.Runs < 1 {
		return LoadedSoak{}, fmt.Errorf("soak report %s: no \"runs\" (at least 1), so it is not a soak report (make soak writes it)", path)
	}
	for i, build := range r.Builds {
		if build.Label == "" {
			return LoadedSoak{}, fmt.Errorf("soak report %s: build %d has no label", path, i+1)
		}
		for j, t := range build.Scenarios {
			if t.Scenario == "" {
				return LoadedSoak{}, fmt.Errorf("soak report %s: build %s, scenario %d has no name", path, build.Label, j+1)
			}
		}
	}
	return LoadedSoak{Path: path, Report: r}, nil
}

// SoakSummary is what the soak reports found, as the page and the comment
// state it: which builds were soaked how often, and every flaky scenario.
type SoakSummary struct {
	Reports []string    `json:"reports"`
	Builds  []SoakBuild `json:"builds"`
	// Flaky lists every flaky scenario of every soaked build, including
	// those the matrix cannot mark (no run of the build here).
	Flaky []Flake `json:"flaky"`
}

// SoakBuild is one soaked build (a run label, e.g. "node.stdio").
type SoakBuild struct {
	Label     string `json:"label"`
	Runs      int    `json:"runs"`      // the runs the soak asked for
	Completed int    `json:"completed"` // the runs that happened
	RunErrors int    `json:"runErrors,omitempty"`
	Report    string `json:"report"`
}

// Flake is a scenario whose runs in a soak did not all end the same way.
type Flake struct {
	Build    string `json:"build"`
	Scenario string `json:"scenario"`
	Feature  string `json:"feature,omitempty"`
	// Rules are the rules whose cells mark it; empty when no run of the
	// build on this dashboard has the scenario.
	Rules         []string `json:"rules"`
	Runs          int      `json:"runs"` // completed runs of the build
	Passed        int      `json:"passed"`
	Failed        int      `json:"failed"`
	NotApplicable int      `json:"notApplicable"`
	Observed      int      `json:"observed"`
	// Failures are its distinct failure messages, as the soak kept them.
	Failures []string `json:"failures,omitempty"`
}

// Counts says how the flaky scenario's runs ended, failures first.
func (f Flake) Counts() string {
	parts := []string{fmt.Sprintf("%d of %d runs failed", f.Failed, f.Runs)}
	for _, c := range []struct {
		n    int
		what string
	}{{f.Passed, "passed"}, {f.NotApplicable, "not applicable"}, {f.Observed, "observed"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	if missing := f.Runs - f.Failed - f.Passed - f.NotApplicable - f.Observed; missing > 0 {
		parts = append(parts, fmt.Sprintf("absent from %d", missing))
	}
	return strings.Join(parts, ", ")
}

// FirstFailure is the first failure message the soak kept, if any.
func (f Flake) FirstFailure() string {
	if len(f.Failures) == 0 {
		return ""
	}
	return f.Failures[0]
}

// Line is the soak in one line, so a reader knows it was checked even
// when it found nothing: "soak: 20 runs per build of go, node, 0 flaky
// scenarios".
func (s SoakSummary) Line() string {
	byRuns := map[int][]string{}
	var counts []int
	var errs []string
	for _, b := range s.Builds {
		if _, ok := byRuns[b.Completed]; !ok {
			counts = append(counts, b.Completed)
		}
		byRuns[b.Completed] = append(byRuns[b.Completed], b.Label)
		if b.RunErrors > 0 {
			errs = append(errs, fmt.Sprintf("%d %s of %s could not happen", b.RunErrors, plural(b.RunErrors, "run", "runs"), b.Label))
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(counts)))
	var groups []string
	for _, n := range counts {
		groups = append(groups, fmt.Sprintf("%d %s per build of %s", n, plural(n, "run", "runs"), strings.Join(byRuns[n], ", ")))
	}
	if len(groups) == 0 {
		groups = []string{"no build"}
	}
	line := "soak: " + strings.Join(groups, "; ") + fmt.Sprintf(", %d flaky %s", len(s.Flaky), plural(len(s.Flaky), "scenario", "scenarios"))
	if len(errs) > 0 {
		line += " (" + strings.Join(errs, "; ") + ")"
	}
	return line
}

// Unplaced are the flaky scenarios no cell marks.
func (s SoakSummary) Unplaced() []Flake {
	var out []Flake
	for _, f := range s.Flaky {
		if len(f.Rules) == 0 {
			out = append(out, f)
		}
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// flakes finds a flaky scenario of a build (a run label) by name.
type flakes map[string]map[string]*Flake

func (fs flakes) of(label, scenario string) *Flake {
	return fs[label][scenario]
}

// soakSummary merges the soak reports: a build soaked in two reports
// keeps the report that finished last (the notes say which).
func soakSummary(soaks []LoadedSoak) (*SoakSummary, flakes, []string) {
	if len(soaks) == 0 {
		return nil, nil, nil
	}
	s := &SoakSummary{Reports: []string{}, Builds: []SoakBuild{}, Flaky: []Flake{}}
	type kept struct {
		build    soak.Build
		runs     int
		path     string
		finished string
	}
	var order []string
	byLabel := map[string]kept{}
	var notes []string
	for _, r := range soaks {
		s.Reports = append(s.Reports, r.Path)
		for _, b := range r.Builds {
			k := kept{build: b, runs: r.Runs, path: r.Path, finished: r.FinishedAt}
			old, seen := byLabel[b.Label]
			if !seen {
				order = append(order, b.Label)
				byLabel[b.Label] = k
				continue
			}
			keep, drop := old, k
			if k.finished > old.finished {
				keep, drop = k, old
				byLabel[b.Label] = k
			}
			notes = append(notes, fmt.Sprintf("soak of %s: kept %s (finished %s), not %s (finished %s)",
				b.Label, keep.path, keep.finished, drop.path, drop.finished))
		}
	}
	sort.Strings(order)
	fs := flakes{}
	for _, label := range order {
		k := byLabel[label]
		s.Builds = append(s.Builds, SoakBuild{Label: label, Runs: k.runs, Completed: k.build.Completed,
			RunErrors: len(k.build.RunErrors), Report: k.path})
		for _, t := range k.build.Scenarios {
			if !t.Flaky {
				continue
			}
			s.Flaky = append(s.Flaky, Flake{Build: label, Scenario: t.Scenario, Feature: t.Feature, Rules: []string{},
				Runs: k.build.Completed, Passed: t.Passed, Failed: t.Failed, NotApplicable: t.NotApplicable, Observed: t.Observed,
				Failures: t.Failures})
		}
	}
	for i := range s.Flaky {
		f := &s.Flaky[i]
		if fs[f.Build] == nil {
			fs[f.Build] = map[string]*Flake{}
		}
		fs[f.Build][f.Scenario] = f
	}
	return s, fs, notes
}
