package bench

import (
	"context"
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
