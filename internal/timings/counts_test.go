package timings

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/expectations"
	"conformance/internal/results"
)

// The counts come from the run records this make test wrote; one of an
// earlier run in the same folder does not count.
func TestCountRunsCountsEachWayOfThisRunsRecords(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2026, 12, 6, 2, 0, 0, 0, time.UTC)
	judged := func(n int) []expectations.Judged { return make([]expectations.Judged, n) }
	for _, r := range []results.Run{
		{Label: "node", SDK: "node", FinishedAt: start.Add(time.Minute).Format(time.RFC3339),
			Verdict: expectations.Verdict{Passed: judged(49), ExpectedFailures: judged(1), NotApplicable: judged(1), Observed: judged(18)}},
		{Label: "old", SDK: "go", FinishedAt: start.Add(-time.Hour).Format(time.RFC3339), Verdict: expectations.Verdict{Passed: judged(3)}},
	} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, r.Label), 0o755))
		require.NoError(t, r.Write(filepath.Join(dir, r.Label)))
	}
	counts, err := CountRuns(dir, start)
	require.NoError(t, err)
	require.Len(t, counts, 1, "the earlier run's record is not this make test's")
	assert.Equal(t, Count{Label: "node", Status: counts[0].Status, Passed: 49, ExpectedFailures: 1, NotApplicable: 1, Observed: 18}, counts[0])
}

func TestCompareCountsNamesEveryDifference(t *testing.T) {
	a := Report{Counts: []Count{{Label: "node", Passed: 49}, {Label: "go", Passed: 47}, {Label: "rust", Passed: 48}}}
	b := Report{Counts: []Count{{Label: "node", Passed: 49}, {Label: "go", Passed: 46, UnexpectedFailures: 1}, {Label: "java", Passed: 1}}}
	var out bytes.Buffer
	assert.False(t, CompareCounts(&out, a, b, "side-by-side", "one-at-a-time"))
	assert.Contains(t, out.String(), "go: side-by-side")
	assert.Contains(t, out.String(), "1 unexpected failures")
	assert.Contains(t, out.String(), "rust: only in side-by-side")
	assert.Contains(t, out.String(), "java: only in one-at-a-time")
	assert.NotContains(t, out.String(), "node:")

	out.Reset()
	assert.True(t, CompareCounts(&out, a, a, "x", "y"))
	assert.Contains(t, out.String(), "the 3 runs count the same")
}
