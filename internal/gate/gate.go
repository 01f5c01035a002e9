// Package gate keeps the scenarios that measure time alone on the machine
// while every other scenario, of this run and of every other run on the
// machine (builds side by side, the explorer, the mutants, the container
// runs), goes on side by side.
package gate

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"conformance/internal/filelock"
	"conformance/internal/timings"
)

// Timeout bounds how long a scenario waits for its turn at the Gate:
// the other scenarios on the machine end within their own bounds, so a
// wait this long means a run that hangs while holding its turn.
const Timeout = 15 * time.Minute

// Gate lets scenarios run side by side (suite.Config.Parallel, and builds
// run side by side by internal/cmd/sidebyside) except those tagged
// steps.SerialTag, which wait until they are alone on the machine and keep the
// others waiting while they run. A nil Gate lets everything through.
//
// It is a readers-writer lock at two levels. Within the process a
// sync.RWMutex: a waiting serial scenario holds back the scenarios that
// come after it (writer preference). Across processes (other runs of any
// checkout on this machine) a pair of lock files in Dir, taken with flock
// (github.com/gofrs/flock, which also does Windows' LockFileEx): every
// scenario passes through the turnstile and then holds the gate shared; a
// serial one holds the turnstile while it waits for the gate exclusively,
// so scenarios of other runs that come after it wait too.
type Gate struct {
	// Dir holds the lock files; empty: DefaultGateDir.
	Dir string
	// Times, if set, is a folder of timing records (internal/timings) to
	// which every turn alone, and every wait of 1 s or more behind one,
	// adds a record named Label: what the gate cost (make test sets it
	// through TimesEnv).
	Times, Label string
	mu           sync.RWMutex
}

// TimesEnv names the environment variable by which make test asks every
// run's Gate to record its costs in a folder (Gate.Times).
const TimesEnv = "GATE_TIMES"

// heldWorthRecording is the shortest wait of a scenario behind a turn
// alone that the Gate records: shorter ones are many and add nothing.
const heldWorthRecording = time.Second

// DefaultGateDir is where every run on the machine finds the same lock
// files. On Unix a fixed folder under /tmp rather than $TMPDIR: runs with
// a TMPDIR of their own (a test's private one) must meet at the same
// lock, and the lock files stay there for the next run, which a run's own
// temporary directory must not keep (steps' TestResourceHygiene). Runs of
// different users do not share it (its files are each user's own).
func DefaultGateDir() string {
	if runtime.GOOS == "windows" {
		return filepath.Join(os.TempDir(), "bearer-token-conformance-gate")
	}
	return "/tmp/bearer-token-conformance-gate"
}

// Enter waits (at most Timeout, or ctx) for the scenario's turn and
// returns what ends it; calling that more than once does nothing more.
func (g *Gate) Enter(ctx context.Context, serial bool) (leave func(), err error) {
	if g == nil {
		return func() {}, nil
	}
	lock, unlock := g.mu.RLock, g.mu.RUnlock
	if serial {
		lock, unlock = g.mu.Lock, g.mu.Unlock
	}
	asked := time.Now()
	lock()
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	release, err := g.enterMachine(ctx, serial)
	if err != nil {
		unlock()
		return nil, err
	}
	entered := time.Now()
	if !serial && entered.Sub(asked) >= heldWorthRecording {
		g.record(timings.Held, asked, entered, entered)
	}
	return sync.OnceFunc(func() {
		release()
		unlock()
		if serial {
			g.record(timings.Alone, asked, entered, time.Now())
		}
	}), nil
}

// record adds a timing record of the gate's cost, if asked to (Times);
// a record that cannot be written costs the scenario nothing.
func (g *Gate) record(kind string, asked, entered, left time.Time) {
	if g.Times == "" {
		return
	}
	_ = timings.Append(g.Times, timings.Record{Kind: kind, Name: g.Label, OK: true,
		Start: float64(entered.UnixMilli()) / 1000, Wall: left.Sub(entered).Seconds(), Waited: entered.Sub(asked).Seconds()})
}

// enterMachine takes the machine-wide turn: the turnstile, then the gate
// shared (or, for a serial scenario, exclusive while holding the
// turnstile).
func (g *Gate) enterMachine(ctx context.Context, serial bool) (release func(), err error) {
	dir := g.Dir
	if dir == "" {
		dir = DefaultGateDir()
	}
	turnstile, gate := filepath.Join(dir, "turnstile.lock"), filepath.Join(dir, "gate.lock")
	const hang = "; a scenario of another run on this machine may hang while holding it"
	passed, err := filelock.Exclusive(ctx, turnstile, "the turnstile of the machine-wide gate"+hang)
	if err != nil {
		return nil, err
	}
	if serial {
		defer passed()
		return filelock.Exclusive(ctx, gate, "the machine-wide gate, alone (a @serial scenario)"+hang)
	}
	passed()
	return filelock.Shared(ctx, gate, "the machine-wide gate, shared"+hang)
}
