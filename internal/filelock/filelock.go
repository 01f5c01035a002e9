// Package filelock holds locks that every process on the machine honours:
// advisory file locks (flock on Unix, LockFileEx on Windows, through
// github.com/gofrs/flock), so that runs side by side (make test's builds,
// two checkouts) neither prepare the same cache folder at once nor
// measure time while others run (internal/gate).
package filelock

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// poll is how often a waiting lock tries again: flock has no wait that a
// context can end, so a bounded wait polls.
const poll = 10 * time.Millisecond

// Exclusive waits until it alone holds the lock file path (created with
// its folder if need be), at most until ctx ends, and returns what
// releases it. what names the lock in the error of a wait that ended.
func Exclusive(ctx context.Context, path, what string) (release func(), err error) {
	return hold(ctx, path, what, true)
}

// Shared waits until it holds path beside other shared holders, with no
// exclusive one.
func Shared(ctx context.Context, path, what string) (release func(), err error) {
	return hold(ctx, path, what, false)
}

func hold(ctx context.Context, path, what string, exclusive bool) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	// A Flock per hold: a flock lock belongs to an open file, so two
	// holders in one process exclude each other as two processes do.
	l := flock.New(path)
	take := l.TryRLockContext
	if exclusive {
		take = l.TryLockContext
	}
	ok, err := take(ctx, poll)
	if err == nil && !ok {
		err = ctx.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("waiting for %s (lock file %s): %w", what, path, err)
	}
	return func() { _ = l.Unlock() }, nil
}

// Holders is who holds a lock file at one moment.
type Holders int

const (
	Nobody       Holders = iota // free
	SharedOnly                  // one or more shared holders
	OneExclusive                // an exclusive holder
)

// Probe says who holds path, without waiting. An exclusive holder may be
// one that only looks (as Probe itself, or Exclusive's wait), for a
// moment.
func Probe(path string) (Holders, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		return Nobody, err
	}
	l := flock.New(path)
	free, err := l.TryLock()
	if err != nil {
		return Nobody, fmt.Errorf("trying the lock file %s: %w", path, err)
	}
	if free {
		_ = l.Unlock()
		return Nobody, nil
	}
	shared, err := l.TryRLock()
	if err != nil {
		return Nobody, fmt.Errorf("trying the lock file %s shared: %w", path, err)
	}
	if shared {
		_ = l.Unlock()
		return SharedOnly, nil
	}
	return OneExclusive, nil
}
