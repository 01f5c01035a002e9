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

// HeldShared sees shared holders, and neither an exclusive holder (one
// that only looks, for a moment) nor no holder at all.
func TestHeldSharedSeesOnlySharedHolders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.lock")
	ctx := context.Background()
	held, err := HeldShared(path)
	require.NoError(t, err)
	assert.False(t, held, "no holder")

	release, err := Exclusive(ctx, path, "q")
	require.NoError(t, err)
	held, err = HeldShared(path)
	require.NoError(t, err)
	assert.False(t, held, "an exclusive holder")
	release()

	release, err = Shared(ctx, path, "q")
	require.NoError(t, err)
	held, err = HeldShared(path)
	require.NoError(t, err)
	assert.True(t, held, "a shared holder")
	release()
	held, err = HeldShared(path)
	require.NoError(t, err)
	assert.False(t, held, "after the shared holder let go")
}
