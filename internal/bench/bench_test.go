package bench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/fakeruntime"
)

func TestSummariseNearestRank(t *testing.T) {
	var samples []time.Duration
	for i := 100; i >= 1; i-- {
		samples = append(samples, time.Duration(i)*time.Millisecond)
	}
	s := Summarise(samples)
	assert.Equal(t, Stats{N: 100, Min: time.Millisecond, P50: 50 * time.Millisecond, P90: 90 * time.Millisecond,
		P99: 99 * time.Millisecond, Max: 100 * time.Millisecond}, s)
	assert.Equal(t, Stats{}, Summarise(nil))
	assert.Equal(t, 7*time.Millisecond, Summarise([]time.Duration{7 * time.Millisecond}).P99)
}

func TestMeasureTheBaseline(t *testing.T) {
	rt, err := fakeruntime.Start()
	require.NoError(t, err)
	t.Cleanup(func() { _ = rt.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	b, err := StartBaseline(ctx, rt.Addr())
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })
	seq, conc, err := Measure(ctx, rt, b.SessionID, "default", 50)
	require.NoError(t, err)
	assert.Equal(t, 50, seq.N)
	assert.Equal(t, 50, conc.N)
	assert.LessOrEqual(t, seq.P50, seq.P99)
	assert.Greater(t, seq.Min, time.Duration(0))
	assert.Contains(t, Table([]Result{{Client: "go baseline", Transport: "tcp", Mode: "sequential", Stats: seq}}), "go baseline")
}

func TestMeasureFailsOnAnErrorAnswer(t *testing.T) {
	rt, err := fakeruntime.Start()
	require.NoError(t, err)
	t.Cleanup(func() { _ = rt.Close() })
	ctx := context.Background()
	b, err := StartBaseline(ctx, rt.Addr())
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })
	// A client that is gone answers nothing: Measure must fail, not
	// report numbers.
	require.NoError(t, b.Close())
	_, _, err = Measure(ctx, rt, b.SessionID, "default", 3)
	assert.Error(t, err)
}

func TestMergeReplacesAClientsResultsAndKeepsTheOthers(t *testing.T) {
	res := func(client, transport string, p50 time.Duration) Result {
		return Result{Client: client, Transport: transport, Mode: "sequential", Stats: Stats{N: 10, P50: p50}}
	}
	earlier := Report{N: 10, Runtime: "fake 1", Results: []Result{
		res("go baseline", "tcp", 1), res("node 1.0.14", "tcp", 2), res("rust 1.0.28", "tcp", 3)}}
	newer := Report{N: 10, Runtime: "fake 1", Date: "later", Results: []Result{
		res("go baseline", "tcp", 4), res("java 1.0.11", "stdio", 5), res("java 1.0.11", "tcp", 6)}}

	got := Merge(earlier, newer)
	assert.Equal(t, "later", got.Date)
	var rows []string
	for _, r := range got.Results {
		rows = append(rows, fmt.Sprintf("%s %s %d", r.Client, r.Transport, r.Stats.P50))
	}
	assert.Equal(t, []string{"java 1.0.11 stdio 5", "go baseline tcp 4", "java 1.0.11 tcp 6", "node 1.0.14 tcp 2", "rust 1.0.28 tcp 3"}, rows)

	newer.N = 20
	assert.Equal(t, newer, Merge(earlier, newer), "a report of another n replaces the earlier one whole")
}
