package soak

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/expectations"
)

func verdict(results ...expectations.Result) expectations.Verdict {
	var v expectations.Verdict
	for _, r := range results {
		j := expectations.Judged{Result: r}
		switch r.Status {
		case expectations.Passed:
			v.Passed = append(v.Passed, j)
		case expectations.Failed:
			v.UnexpectedFailures = append(v.UnexpectedFailures, j)
		case expectations.NotApplicable:
			v.NotApplicable = append(v.NotApplicable, j)
		case expectations.Observed:
			v.Observed = append(v.Observed, j)
		}
	}
	return v
}

func res(scenario string, status expectations.Status, msg string) expectations.Result {
	return expectations.Result{Feature: "f", Scenario: scenario, Status: status, Message: msg}
}

func TestReport(t *testing.T) {
	const pass, fail, na = expectations.Passed, expectations.Failed, expectations.NotApplicable
	tests := []struct {
		name      string
		runs      [][]expectations.Result // one list per completed run
		want      Tally
		wantFlaky bool
	}{
		{name: "always passes", runs: [][]expectations.Result{{res("s", pass, "")}, {res("s", pass, "")}, {res("s", pass, "")}},
			want: Tally{Scenario: "s", Feature: "f", Passed: 3}},
		{name: "always fails the same way: not flaky, messages left to the verdict", runs: [][]expectations.Result{{res("s", fail, "boom")}, {res("s", fail, "boom")}},
			want: Tally{Scenario: "s", Feature: "f", Failed: 2}},
		{name: "passes, then fails", runs: [][]expectations.Result{{res("s", pass, "")}, {res("s", fail, "timed out")}, {res("s", pass, "")}},
			want: Tally{Scenario: "s", Feature: "f", Passed: 2, Failed: 1, Flaky: true, Failures: []string{"timed out"}}, wantFlaky: true},
		{name: "failure messages are kept once each", runs: [][]expectations.Result{{res("s", fail, "a")}, {res("s", fail, "b")}, {res("s", fail, "a")}, {res("s", pass, "")}},
			want: Tally{Scenario: "s", Feature: "f", Passed: 1, Failed: 3, Flaky: true, Failures: []string{"a", "b"}}, wantFlaky: true},
		{name: "applies in one run only", runs: [][]expectations.Result{{res("s", na, "no")}, {res("s", pass, "")}},
			want: Tally{Scenario: "s", Feature: "f", Passed: 1, NotApplicable: 1, Flaky: true}, wantFlaky: true},
		{name: "missing from one run", runs: [][]expectations.Result{{res("s", pass, "")}, {}},
			want: Tally{Scenario: "s", Feature: "f", Passed: 1, Flaky: true}, wantFlaky: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
			s := New(len(tt.runs), start)
			for _, results := range tt.runs {
				s.AddRun("go", verdict(results...), time.Second)
			}
			r := s.Report(start.Add(90 * time.Second))
			require.Len(t, r.Builds, 1)
			b := r.Builds[0]
			assert.Equal(t, "go", b.Label)
			assert.Equal(t, len(tt.runs), b.Completed)
			assert.Equal(t, float64(len(tt.runs)), b.Seconds)
			assert.Equal(t, 90.0, r.Seconds)
			require.Len(t, b.Scenarios, 1)
			assert.Equal(t, tt.want, b.Scenarios[0])
			assert.Equal(t, tt.wantFlaky, len(r.Flaky) == 1)
			assert.Equal(t, !tt.wantFlaky, r.OK())
		})
	}
}

func TestRunErrorsAndMessageBounds(t *testing.T) {
	s := New(2, time.Now())
	s.AddError("node.stdio", 1, errors.New("node: npm install failed"), time.Second)
	long := strings.Repeat("x", 5000)
	for i := 0; i < 10; i++ {
		s.AddRun("go", verdict(res("s", expectations.Failed, string(rune('a'+i))+long)), 0)
	}
	s.AddRun("go", verdict(res("s", expectations.Passed, "")), 0)
	r := s.Report(time.Now())
	require.Len(t, r.Builds, 2)
	assert.Equal(t, []string{"run 1: node: npm install failed"}, r.Builds[0].RunErrors)
	assert.False(t, r.OK(), "a run that could not happen fails the soak")
	tally := r.Builds[1].Scenarios[0]
	assert.Len(t, tally.Failures, maxMessages)
	for _, m := range tally.Failures {
		assert.LessOrEqual(t, len(m), maxMessageLen+3)
	}
	assert.Equal(t, []string{"go: s"}, r.Flaky)

	path := filepath.Join(t.TempDir(), "results", "soak.json")
	require.NoError(t, r.Write(path))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var back Report
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, r.Flaky, back.Flaky)
	assert.Equal(t, 11, back.Builds[1].Completed)
}
