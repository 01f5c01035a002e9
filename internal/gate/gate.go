// Package gate keeps the scenarios that measure time alone on the machine
// while every other scenario, of this run and of every other run on the
// machine (builds side by side, the explorer, the mutants, the container
// runs), goes on side by side.
package gate

import (
	"context"
	"fmt"
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
// checkout on this machine) lock files in Dir, taken with flock
// (github.com/gofrs/flock, which also does Windows' LockFileEx): every
// scenario passes through the turnstile and then holds the gate shared; a
// serial one holds the turnstile while it waits for the gate exclusively,
// so scenarios of other runs that come after it wait too. Serial
// scenarios that wait at the same time take their turns one after the
// other before any other scenario comes in (queue).
type Gate struct {
	// Dir holds the lock files; empty: DefaultGateDir.
	Dir string
	// Times, if set, is a folder of timing records (internal/timings) to
	// which every turn alone, and every wait of 1 s or more behind one,
	// adds a record named Label: what the gate cost (make test sets it
	// through TimesEnv).
	Times, Label string
	// Gather, if set, is how long a serial scenario lets the others go on
	// before it closes the machine to them, so that the serial scenarios
	// of the runs side by side gather and take their turns in one batch:
	// the machine empties once for the batch, not once for each (make
	// test sets it through GatherEnv; a run on its own needs no wait).
	Gather time.Duration
	mu     sync.RWMutex
}

// GatherEnv names the environment variable by which make test sets every
// run's Gate.Gather, as a Go duration ("60s").
const GatherEnv = "GATE_GATHER"

// FromEnv is the Gate of a run labelled label, with what make test asks
// of it through the environment (TimesEnv, GatherEnv).
func FromEnv(label string) (*Gate, error) {
	g := &Gate{Times: os.Getenv(TimesEnv), Label: label}
	if v := os.Getenv(GatherEnv); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > Timeout/2 {
			return nil, fmt.Errorf("%s=%q: want a duration from 0s to %s, like 20s", GatherEnv, v, Timeout/2)
		}
		g.Gather = d
	}
	return g, nil
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
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	// The queue comes before the process's own lock: a serial scenario
	// queued while waiting for that lock would keep out a scenario that
	// holds it shared and waits for the queue to empty.
	dequeue, err := g.queue(ctx, serial)
	if err != nil {
		return nil, err
	}
	if serial {
		// What a turn alone costs the others begins here: the gathering
		// before it held back no one.
		asked = time.Now()
	}
	lock()
	release, err := g.enterMachine(ctx, serial)
	if err != nil {
		unlock()
		dequeue()
		return nil, err
	}
	entered := time.Now()
	if !serial && entered.Sub(asked) >= heldWorthRecording {
		g.record(timings.Held, asked, entered, entered)
	}
	return sync.OnceFunc(func() {
		release()
		unlock()
		dequeue()
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

// queue lets serial scenarios take their turns alone one after the
// other, once the machine has emptied, rather than each emptying it
// again: the scenarios that came in between would make every turn wait
// for a machine full of them to end (about 9 s a turn in make test).
//
// A serial scenario joins the queue (holds its file shared) once it has
// let the others go on for Gather, at once when the queue already has a
// member, and as soon as no scenario runs on the machine: then there is
// no one to gather while waiting, and a run's last serial scenarios do
// not wait for company that will not come. It stays in the queue until
// its turn ends; any other scenario first waits until the queue is empty
// (takes the file exclusively, and lets it go). The queue is short (each
// SDK build has three serial scenarios per runtime and transport), so the
// others wait for a few turns at most.
func (g *Gate) queue(ctx context.Context, serial bool) (dequeue func(), err error) {
	path := filepath.Join(g.dir(), "serial-queue.lock")
	gate := filepath.Join(g.dir(), gateFile)
	const what = "the machine-wide gate's queue of serial scenarios; a @serial scenario of a run on this machine may hang in it"
	if !serial {
		empty, err := filelock.Exclusive(ctx, path, what)
		if err != nil {
			return nil, err
		}
		empty()
		return func() {}, nil
	}
	for gathered := time.Now().Add(g.Gather); time.Now().Before(gathered); {
		queued, err := filelock.Probe(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if queued == filelock.SharedOnly {
			break // a queue has formed: join it
		}
		running, err := filelock.Probe(gate)
		if err != nil {
			return nil, fmt.Errorf("the machine-wide gate: %w", err)
		}
		if running == filelock.Nobody {
			break // no scenario runs on the machine: no one to gather
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("gathering serial scenarios for %s (lock file %s): %w", g.Gather, path, ctx.Err())
		case <-time.After(gatherPoll):
		}
	}
	return filelock.Shared(ctx, path, what)
}

// gateFile is the lock file every running scenario holds, shared, and a
// serial one alone.
const gateFile = "gate.lock"

// gatherPoll is how often a gathering serial scenario looks whether a
// queue has formed that it can join.
const gatherPoll = 50 * time.Millisecond

func (g *Gate) dir() string {
	if g.Dir == "" {
		return DefaultGateDir()
	}
	return g.Dir
}

// enterMachine takes the machine-wide turn: the turnstile, then the gate
// shared (or, for a serial scenario, exclusive while holding the
// turnstile).
func (g *Gate) enterMachine(ctx context.Context, serial bool) (release func(), err error) {
	turnstile, gate := filepath.Join(g.dir(), "turnstile.lock"), filepath.Join(g.dir(), gateFile)
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
