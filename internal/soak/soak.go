// Package soak tallies repeated runs of the features (make soak): per SDK
// build and scenario, how often each outcome came, and which scenarios did
// not come out the same every time. A conformance suite whose green needs
// re-runs tells SDK teams nothing; the soak names what flakes.
package soak

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"conformance/internal/expectations"
)

// maxMessages and maxMessageLen bound the failure messages kept per
// scenario: enough to tell one cause from another.
const (
	maxMessages   = 5
	maxMessageLen = 2000
)

// Report is results/soak.json.
type Report struct {
	// Runs is how many times each build was to run.
	Runs       int     `json:"runs"`
	StartedAt  string  `json:"startedAt"`
	FinishedAt string  `json:"finishedAt"`
	Seconds    float64 `json:"seconds"`
	Builds     []Build `json:"builds"`
	// Flaky lists every flaky scenario, as "<build>: <scenario>".
	Flaky []string `json:"flaky"`
}

// Build is one SDK build on one runtime and transport (a run label).
type Build struct {
	Label string `json:"label"`
	// Completed counts the runs that happened; RunErrors says why the
	// others could not (the driver did not build, godog ran nothing).
	Completed int      `json:"completed"`
	RunErrors []string `json:"runErrors,omitempty"`
	Seconds   float64  `json:"seconds"`
	Scenarios []Tally  `json:"scenarios"`
	outcomes  outcomeOf
}

// Tally is one scenario's outcomes over the runs of a build.
type Tally struct {
	Scenario      string `json:"scenario"`
	Feature       string `json:"feature"`
	Passed        int    `json:"passed"`
	Failed        int    `json:"failed"` // expected failures included
	NotApplicable int    `json:"notApplicable"`
	Observed      int    `json:"observed"`
	// Flaky: the outcome was not the same in every run.
	Flaky bool `json:"flaky"`
	// Failures are the distinct failure messages of a flaky scenario.
	Failures []string `json:"failures,omitempty"`
}

type outcomeOf map[string]*Tally

// Soak collects runs. It is not safe for concurrent use.
type Soak struct {
	runs    int
	started time.Time
	builds  []*Build
	byLabel map[string]*Build
}

// New starts a soak of runs runs per build.
func New(runs int, started time.Time) *Soak {
	return &Soak{runs: runs, started: started, byLabel: map[string]*Build{}}
}

func (s *Soak) build(label string) *Build {
	b, ok := s.byLabel[label]
	if !ok {
		b = &Build{Label: label, outcomes: outcomeOf{}}
		s.byLabel[label] = b
		s.builds = append(s.builds, b)
	}
	return b
}

// AddRun counts one completed run of a build.
func (s *Soak) AddRun(label string, v expectations.Verdict, took time.Duration) {
	b := s.build(label)
	b.Completed++
	b.Seconds += took.Round(time.Millisecond).Seconds()
	for _, r := range Results(v) {
		t, ok := b.outcomes[r.Scenario]
		if !ok {
			t = &Tally{Scenario: r.Scenario, Feature: r.Feature}
			b.outcomes[r.Scenario] = t
		}
		switch r.Status {
		case expectations.Passed:
			t.Passed++
		case expectations.Failed:
			t.Failed++
			t.addFailure(r.Message)
		case expectations.NotApplicable:
			t.NotApplicable++
		case expectations.Observed:
			t.Observed++
		}
	}
}

// AddError counts a run of a build that could not happen.
func (s *Soak) AddError(label string, run int, err error, took time.Duration) {
	b := s.build(label)
	b.Seconds += took.Round(time.Millisecond).Seconds()
	b.RunErrors = append(b.RunErrors, fmt.Sprintf("run %d: %s", run, clip(err.Error())))
}

func (t *Tally) addFailure(msg string) {
	msg = clip(msg)
	for _, m := range t.Failures {
		if m == msg {
			return
		}
	}
	if len(t.Failures) < maxMessages {
		t.Failures = append(t.Failures, msg)
	}
}

func clip(s string) string {
	if len(s) <= maxMessageLen {
		return s
	}
	return s[:maxMessageLen] + "..."
}

// Results flattens a verdict back into the scenarios' results.
func Results(v expectations.Verdict) []expectations.Result {
	var out []expectations.Result
	for _, list := range [][]expectations.Judged{v.Passed, v.ExpectedFailures, v.UnexpectedFailures, v.UnexpectedPasses, v.NotApplicable, v.Observed} {
		for _, j := range list {
			out = append(out, j.Result)
		}
	}
	return out
}

// Report is the tally so far. A scenario is flaky when its runs did not
// all end the same way, including when it ran in only some of the
// completed runs.
func (s *Soak) Report(finished time.Time) Report {
	r := Report{Runs: s.runs, StartedAt: s.started.UTC().Format(time.RFC3339), FinishedAt: finished.UTC().Format(time.RFC3339),
		Seconds: finished.Sub(s.started).Round(time.Millisecond).Seconds(), Flaky: []string{}}
	for _, b := range s.builds {
		out := *b
		out.Scenarios = nil
		for _, t := range b.outcomes {
			tally := *t
			kinds, total := 0, 0
			for _, n := range []int{t.Passed, t.Failed, t.NotApplicable, t.Observed} {
				total += n
				if n > 0 {
					kinds++
				}
			}
			tally.Flaky = kinds > 1 || total != b.Completed
			if !tally.Flaky {
				tally.Failures = nil // a steady failure is the verdict's business
			} else {
				r.Flaky = append(r.Flaky, b.Label+": "+t.Scenario)
			}
			out.Scenarios = append(out.Scenarios, tally)
		}
		sort.Slice(out.Scenarios, func(i, j int) bool {
			a, c := out.Scenarios[i], out.Scenarios[j]
			if a.Feature != c.Feature {
				return a.Feature < c.Feature
			}
			return a.Scenario < c.Scenario
		})
		r.Builds = append(r.Builds, out)
	}
	sort.Strings(r.Flaky)
	return r
}

// OK reports whether every run happened and no scenario was flaky.
func (r Report) OK() bool {
	for _, b := range r.Builds {
		if len(b.RunErrors) > 0 {
			return false
		}
	}
	return len(r.Flaky) == 0
}

// Write stores the report at path, creating its directory.
func (r Report) Write(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
