package timings

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppendedRecordsAreGatheredAndTheSlowestPrinted(t *testing.T) {
	dir := t.TempDir()
	for _, r := range []Record{
		{Kind: Phase, Name: "vet", Wall: 20, CPU: 30, OK: true},
		{Kind: Build, Name: "rust [fake,real; tcp,stdio]", Wall: 400, CPU: 500, OK: true},
		{Kind: Phase, Name: "features", Wall: 900, CPU: 1200, OK: false},
		{Kind: Build, Name: "go [fake; tcp]", Wall: 30, CPU: 10, OK: true},
	} {
		require.NoError(t, Append(dir, r))
	}
	report, err := Gather(dir)
	require.NoError(t, err)
	assert.Len(t, report.Phases, 2)
	assert.Len(t, report.Builds, 2)

	var out bytes.Buffer
	report.Slowest(&out, 3)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 4, out.String())
	assert.Contains(t, lines[0], "phases add up to 920 s")
	assert.Contains(t, lines[1], "features")
	assert.Contains(t, lines[1], "(failed)")
	assert.Contains(t, lines[2], "rust")
	assert.Contains(t, lines[3], "go [fake; tcp]")

	path := filepath.Join(t.TempDir(), "test-times.json")
	require.NoError(t, report.Write(path))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var back Report
	require.NoError(t, json.Unmarshal(data, &back))
	assert.Equal(t, report, back)
}

// Phases that say when they started are spanned, not added: make test's
// two lanes overlap.
func TestOverlappingPhasesAreSpannedNotAdded(t *testing.T) {
	report := Report{Phases: []Record{
		{Kind: Phase, Name: "unit-tests", Wall: 100, Start: 1000},
		{Kind: Phase, Name: "features", Wall: 500, Start: 1100},
		{Kind: Phase, Name: "mutants", Wall: 300, Start: 1100},
		{Kind: Phase, Name: "check-reports", Wall: 10, Start: 1600},
	}}
	var out bytes.Buffer
	report.Slowest(&out, 2)
	assert.Contains(t, out.String(), "610 s from the first phase's start to the last one's end")
}

// scripts/timed.sh writes the records the Makefile's phases leave, in
// this package's format, and keeps the command's exit status.
func TestTimedShWritesAPhaseRecord(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	dir := t.TempDir()
	ok := exec.Command("bash", "../../scripts/timed.sh", dir, "busy phase", "bash", "-c", "for i in $(seq 100000); do :; done")
	require.NoError(t, ok.Run())
	failing := exec.Command("bash", "../../scripts/timed.sh", dir, "failing phase", "false")
	err := failing.Run()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, 1, exit.ExitCode())

	records, err := Read(dir)
	require.NoError(t, err)
	require.Len(t, records, 2)
	assert.Equal(t, Record{Kind: Phase, Name: "busy phase", Wall: records[0].Wall, CPU: records[0].CPU, OK: true, Start: records[0].Start}, records[0])
	assert.InDelta(t, float64(time.Now().Unix()), records[0].Start, 60, "when the phase started, in Unix seconds")
	assert.Positive(t, records[0].CPU, "the loop's CPU time is counted")
	assert.GreaterOrEqual(t, records[0].Wall, records[0].CPU/2, "two cores at most")
	assert.False(t, records[1].OK)
}

func TestReadNamesTheBadLine(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "records.jsonl"), []byte("{\"kind\":\"phase\"}\nnot json\n"), 0o644))
	_, err := Read(dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "line 2")
}

// The gate's summary adds up its records; the machine counts as closed
// once for turns whose waits and turns overlap (a batch of them).
func TestGateSummary(t *testing.T) {
	report := Report{Gate: []Record{
		{Kind: Alone, Name: "node", Start: 110, Wall: 2, Waited: 10}, // closed 100..112
		{Kind: Alone, Name: "go", Start: 112, Wall: 3, Waited: 11},   // 101..115: the same batch
		{Kind: Alone, Name: "rust", Start: 200, Wall: 1, Waited: 4},  // 196..201
		{Kind: Held, Name: "python", Start: 115, Waited: 14},
	}}
	var out bytes.Buffer
	report.GateSummary(&out)
	assert.Equal(t, "the gate: 3 turns alone on the machine (@serial) took 6 s, after 25 s of waiting for the scenarios before them to end; 1 scenarios waited 14 s in all behind them; the machine was closed to new scenarios for 20 s of the run\n", out.String())

	out.Reset()
	Report{}.GateSummary(&out)
	assert.Empty(t, out.String(), "no gate records, no line")
}
