package differential

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/expectations"
	"conformance/internal/results"
)

// run writes a results directory: a verdict.json with these observed
// scenarios, and one wire record per scenario.
func run(t *testing.T, sdk string, observed map[string][]expectations.Observation, recs ...Record) string {
	t.Helper()
	dir := t.TempDir()
	r := results.Run{Label: sdk, SDK: sdk, SDKVersion: "1.0.0", OK: true, SuiteCommit: "test"}
	for name, obs := range observed {
		r.Verdict.Observed = append(r.Verdict.Observed, expectations.Judged{Result: expectations.Result{Scenario: name, Status: expectations.Observed, Observations: obs}})
	}
	require.NoError(t, r.Write(dir))
	for _, rec := range recs {
		require.NoError(t, rec.Write(dir))
	}
	return dir
}

func retries(t *testing.T, scenario string, errors int) Record {
	t.Helper()
	var entries [][2]string
	for i := range errors {
		id := string(rune('a' + i))
		entries = append(entries,
			[2]string{"runtime->sdk", `{"id":"` + id + `","method":"providerToken.getToken","params":{}}`},
			[2]string{"sdk->runtime", `{"id":"` + id + `","error":{"code":-32603,"message":"down"}}`})
	}
	return Record{Scenario: scenario, Frames: frames(t, entries...)}
}

func TestCheckAcceptsReportsObservationsAndFailsOnAStaleEntry(t *testing.T) {
	obs := func(v string) map[string][]expectations.Observation {
		return map[string][]expectations.Observation{"retries": {{Name: "token requests", Value: v}}}
	}
	fake := run(t, "node", obs("1"), retries(t, "retries", 1), retries(t, "same", 1), retries(t, "fake only", 1))
	real := run(t, "node", obs("6"), retries(t, "retries", 6), retries(t, "same", 1), retries(t, "real only", 1))
	retriesAccepted := "  - {scenario: retries, only: real, pattern: '^answer to providerToken\\.getToken: error ', reason: the real runtime retries}\n"

	rep, err := Check(fake, real, writeAccepted(t, "accepted:\n"+retriesAccepted))
	require.NoError(t, err)
	assert.Equal(t, "node", rep.SDK)
	assert.Equal(t, []string{"retries", "same"}, rep.Compared)
	assert.Equal(t, map[string]string{"fake only": "fake", "real only": "real"}, rep.OneRuntime)
	assert.Len(t, rep.Differences, 5, "five more errors on the real runtime")
	assert.Zero(t, rep.Unaccepted())
	assert.Empty(t, rep.Stale)
	assert.True(t, rep.OK())
	assert.Equal(t, []ObservedDifference{{Scenario: "retries", Name: "token requests", Fake: "1", Real: "6"}}, rep.Observed)
	assert.Contains(t, rep.Markdown(), "2 scenarios compared, 0 unaccepted difference(s), 5 accepted, 0 stale accepted entr(ies), 1 observation(s) that differ")

	// An entry about a compared scenario that covers none of its
	// differences is stale, and fails the check.
	staleEntry := "  - {scenario: same, pattern: 'session\\.log', reason: once the real runtime asked for logs}\n"
	rep, err = Check(fake, real, writeAccepted(t, "accepted:\n"+retriesAccepted+staleEntry))
	require.NoError(t, err)
	require.Len(t, rep.Stale, 1)
	assert.Equal(t, "same", rep.Stale[0].Scenario)
	assert.False(t, rep.OK(), "a stale entry fails the check")
	assert.Contains(t, rep.Markdown(), "Stale accepted differences")

	// Neither confirmed nor refuted, so not stale: an entry about another
	// SDK, or about a scenario this check did not compare.
	others := "  - {scenario: same, sdks: [go], pattern: x, reason: r}\n  - {scenario: not run here, pattern: x, reason: r}\n"
	rep, err = Check(fake, real, writeAccepted(t, "accepted:\n"+retriesAccepted+others))
	require.NoError(t, err)
	assert.Empty(t, rep.Stale)

	// Without the entry, the same runs fail.
	rep, err = Check(fake, real, nil)
	require.NoError(t, err)
	assert.Equal(t, 5, rep.Unaccepted())
	assert.False(t, rep.OK())
}

func TestCheckRefusesRunsOfDifferentBuilds(t *testing.T) {
	_, err := Check(run(t, "node", nil, retries(t, "s", 1)), run(t, "go", nil, retries(t, "s", 1)), nil)
	assert.ErrorContains(t, err, "different builds")
	_, err = Check(run(t, "node", nil, retries(t, "s", 1)), run(t, "node", nil), nil)
	assert.ErrorContains(t, err, "no wire records")
}

// Every entry of the suite's accepted differences names a scenario the
// features have: an entry whose scenario was renamed or removed is stale
// however the runs went.
func TestTheAcceptedDifferencesNameScenariosOfTheFeatures(t *testing.T) {
	accepted, err := LoadAccepted("../../expectations/differential.yaml")
	require.NoError(t, err)
	var text strings.Builder
	files, err := filepath.Glob("../../features/*.feature")
	require.NoError(t, err)
	more, err := filepath.Glob("../../features/*/*.feature")
	require.NoError(t, err)
	for _, f := range append(files, more...) {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		text.Write(b)
	}
	for _, a := range accepted {
		re := regexp.MustCompile(`(?m)^\s*Scenario(?: Outline)?: ` + regexp.QuoteMeta(a.Scenario) + `\s*$`)
		assert.Regexp(t, re, text.String(), "expectations/differential.yaml: the accepted difference %q names scenario %q, which no feature has", a.Pattern, a.Scenario)
	}
}
