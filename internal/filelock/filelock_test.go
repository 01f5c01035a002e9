package filelock

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExclusiveExcludesAndSharedShares(t *testing.T) {
	path := filepath.Join(t.TempDir(), "locks", "x.lock") // the folder is made
	ctx := context.Background()
	r1, err := Shared(ctx, path, "x")
	require.NoError(t, err)
	r2, err := Shared(ctx, path, "x")
	require.NoError(t, err, "two shared holders at once")

	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_, err = Exclusive(short, path, "the thing x")
	require.Error(t, err, "exclusive while shared holders hold it")
	assert.Contains(t, err.Error(), "waiting for the thing x (lock file "+path+")")
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	r1()
	r2()
	release, err := Exclusive(ctx, path, "x")
	require.NoError(t, err, "exclusive once they released it")
	got := make(chan error, 1)
	go func() {
		r, err := Shared(ctx, path, "x")
		if err == nil {
			r()
		}
		got <- err
	}()
	select {
	case <-got:
		t.Fatal("a shared holder got in beside an exclusive one")
	case <-time.After(100 * time.Millisecond):
	}
	release()
	select {
	case err := <-got:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("the shared holder still waits after the exclusive one released")
	}
}

// Probe tells no holder, shared holders and an exclusive holder apart.
func TestProbeSaysWhoHoldsALock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.lock")
	ctx := context.Background()
	probe := func(want Holders, what string) {
		t.Helper()
		got, err := Probe(path)
		require.NoError(t, err)
		assert.Equal(t, want, got, what)
	}
	probe(Nobody, "no holder")

	release, err := Exclusive(ctx, path, "q")
	require.NoError(t, err)
	probe(OneExclusive, "an exclusive holder")
	release()

	release, err = Shared(ctx, path, "q")
	require.NoError(t, err)
	release2, err := Shared(ctx, path, "q")
	require.NoError(t, err)
	probe(SharedOnly, "two shared holders")
	release()
	probe(SharedOnly, "one shared holder left")
	release2()
	probe(Nobody, "after the shared holders let go")
}
