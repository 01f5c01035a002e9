package sidebyside

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeTestBinary stands for the steps test binary: it notes when it starts
// and ends in events, prints its environment's SDK, and fails for the
// build "broken".
func fakeTestBinary(t *testing.T, events string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake test binary is a shell script")
	}
	path := filepath.Join(t.TempDir(), "steps.test")
	script := `#!/bin/sh
echo "start $SDK" >> "` + events + `"
echo "running $SDK on $RUNTIME over $TRANSPORT with args $*"
sleep 0.3
echo "end $SDK" >> "` + events + `"
[ "$SDK" != broken ]
`
	require.NoError(t, os.WriteFile(path, []byte(script), 0o755))
	return path
}

func TestRunRunsEveryJobAtMostAtOnceAndKeepsEachLog(t *testing.T) {
	events := filepath.Join(t.TempDir(), "events")
	var out bytes.Buffer
	jobs := []Job{
		{Build: "node", Runtime: "fake", Transport: "tcp"},
		{Build: "broken", Runtime: "fake,real", Transport: "tcp"},
		{Build: "java+/somewhere/copilot-sdk-java-1.0.11.tar.gz", Runtime: "real", Transport: "stdio"},
		{Build: "go", Runtime: "fake", Transport: "tcp,stdio"},
	}
	outcomes := Run(context.Background(), jobs, Options{
		TestBinary: fakeTestBinary(t, events), StepsDir: t.TempDir(), AtOnce: 2, LogDir: t.TempDir(), Output: &out,
	})

	require.Len(t, outcomes, len(jobs))
	for i, o := range outcomes {
		assert.Equal(t, jobs[i], o.Job, "outcomes are in the jobs' order")
		assert.Equal(t, o.Job.Build != "broken", o.OK, "%s", o.Job.Build)
		assert.Positive(t, o.Wall)
		log, err := os.ReadFile(o.Log)
		require.NoError(t, err)
		assert.Contains(t, string(log), "running "+o.Job.Build+" on "+o.Job.Runtime+" over "+o.Job.Transport)
		assert.Contains(t, string(log), "-test.run ^TestConformance$")
		assert.Contains(t, out.String(), string(log), "each finished job's whole log is printed")
	}
	assert.Error(t, outcomes[1].Err)
	assert.Contains(t, out.String(), "java+copilot-sdk-java-1.0.11.tar.gz [real; stdio]: ok", "an archive is named by its file")
	assert.Contains(t, out.String(), "broken [fake,real; tcp]: FAILED")

	data, err := os.ReadFile(events)
	require.NoError(t, err)
	running, most := 0, 0
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if strings.HasPrefix(line, "start ") {
			running++
		} else {
			running--
		}
		most = max(most, running)
	}
	assert.Equal(t, 2, most, "at most two jobs at once, and two did run at once:\n%s", data)
}

func TestRunStopsEveryJobWhenTheContextEnds(t *testing.T) {
	events := filepath.Join(t.TempDir(), "events")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	outcomes := Run(ctx, []Job{{Build: "node", Runtime: "fake", Transport: "tcp"}}, Options{
		TestBinary: fakeTestBinary(t, events), StepsDir: t.TempDir(), AtOnce: 1, LogDir: t.TempDir(), Output: &bytes.Buffer{},
	})
	require.Len(t, outcomes, 1)
	assert.False(t, outcomes[0].OK)
	assert.ErrorIs(t, outcomes[0].Err, context.Canceled)
}

func TestSummaryPutsTheSlowestFirst(t *testing.T) {
	var out bytes.Buffer
	Summary(&out, []Outcome{
		{Job: Job{Build: "go", Runtime: "fake", Transport: "tcp"}, Wall: 10e9, OK: true},
		{Job: Job{Build: "rust", Runtime: "fake", Transport: "tcp"}, Wall: 300e9, OK: false},
	}, 305e9, 2)
	s := out.String()
	assert.Less(t, strings.Index(s, "rust"), strings.Index(s, "go [fake"))
	assert.Contains(t, s, "FAILED")
	assert.Contains(t, s, "2 builds in 5m5s, at most 2 at once (their wall times add up to 5m10s)")
}
