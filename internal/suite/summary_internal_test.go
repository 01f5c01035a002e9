package suite

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/contract"
	"conformance/internal/driver"
	"conformance/internal/expectations"
)

func TestFormatSummary(t *testing.T) {
	j := func(n int) []expectations.Judged { return make([]expectations.Judged, n) }
	tentative := func(n int) []expectations.Judged {
		out := j(n)
		for i := range out {
			out[i].Tags = []string{"@BT-16", "@tentative"}
		}
		return out
	}
	out := FormatSummary([]SummaryRow{
		{Label: "node", Report: &Report{Hello: driver.Hello{SDKVersion: "1.0.14", Generation: 2},
			Verdict: expectations.Verdict{Passed: append(j(38), tentative(2)...), ExpectedFailures: append(j(1), tentative(1)...), Observed: j(3)}}},
		{Label: "node@1.0.4", Report: &Report{Hello: driver.Hello{SDKVersion: "1.0.4", Generation: 1},
			Verdict: expectations.Verdict{Passed: j(36), UnexpectedFailures: tentative(2), NotApplicable: j(3),
				NotApplicableByRule: map[string]int{"BT-7": 2, "BT-13": 1}, Stale: make([]expectations.KnownFailure, 1)}}},
		{Label: "dotnet", Problem: "dotnet: .NET SDK not found (no dotnet on PATH)"},
	})
	lines := strings.Split(strings.TrimSpace(out), "\n")
	assert.Len(t, lines, 4)
	assert.Regexp(t, `^node\s+1\.0\.14\s+2\s+38\s+1 \(1, 0\)\s+0\s+0\s+3\s+0\s+2/1\s+ok$`, lines[1])
	// An unexpected failure of a tentative rule is counted there, and is
	// still an unexpected result.
	assert.Regexp(t, `^node@1\.0\.4\s+1\.0\.4\s+1\s+36\s+0 \(0, 0\)\s+0\s+3 \(BT-7: 2, BT-13: 1\)\s+0\s+1\s+0/2\s+UNEXPECTED RESULTS$`, lines[2])
	assert.Regexp(t, `^dotnet\s+-.*dotnet: \.NET SDK not found \(no dotnet on PATH\)$`, lines[3])
}

func TestTentativeRulesAreReadFromRuleBlocksAndListedApart(t *testing.T) {
	passed := expectations.Judged{Result: expectations.Result{Scenario: "slow", Tags: []string{"@BT-16", "@tentative"}, Status: expectations.Passed}}
	failed := expectations.Judged{Result: expectations.Result{Scenario: "leak", Tags: []string{"@BT-17", "@tentative"}, Status: expectations.Failed,
		Message: "the SDK wrote a token to stderr"}}
	core := expectations.Judged{Result: expectations.Result{Scenario: "flag", Tags: []string{"@BT-1"}, Status: expectations.Passed}}
	v := expectations.Verdict{Passed: []expectations.Judged{core, passed}, UnexpectedFailures: []expectations.Judged{failed}}

	all, err := contract.Load("../../features")
	require.NoError(t, err)
	rules := tentativeRules(all, v)
	if assert.Len(t, rules, 2) {
		assert.Equal(t, "BT-16", rules[0].ID)
		assert.Equal(t, "A slow callback blocks nothing else", rules[0].Title)
		assert.Contains(t, rules[0].Why, "#2034")
		assert.Equal(t, []expectations.Judged{passed}, rules[0].Scenarios)
		assert.Equal(t, "BT-17", rules[1].ID)
		assert.Equal(t, []expectations.Judged{failed}, rules[1].Scenarios)
	}

	var out strings.Builder
	printVerdict(&out, &Report{Label: "node", Verdict: v, Tentative: rules, ResultsDir: "results/node"})
	text := out.String()
	assert.Contains(t, text, "1 passed, 0 failed", "BT-1..15 are counted without the tentative rules")
	assert.NotContains(t, text, "UNEXPECTED FAILURE  leak", "the tentative failure is listed under its own heading")
	assert.Contains(t, text, "tentative rules (proposed by the suite")
	assert.Contains(t, text, "FAILED (unexpected)  leak: the SDK wrote a token to stderr")
}
