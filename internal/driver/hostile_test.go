//go:build linux

// The hostile driver's checks read /proc and signal process groups.

package driver

import (
	"context"
	"errors"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/procgroup"
)

func TestHostileDriver(t *testing.T) {
	tests := []struct {
		mode    string
		timeout time.Duration // the call's deadline
		within  time.Duration // how long the call may take
		want    []string      // in the error; none: the call succeeds
		// then, when set, the next call fails with this
		thenWant string
	}{
		{mode: "not-json", timeout: 10 * time.Second, within: 2 * time.Second,
			want: []string{`driver printed a line that is not a protocol answer while connect was pending: "panic: runtime error: index out of range [3] with length 3"`, "hostile driver starting"}},
		{mode: "wrong-id", timeout: 10 * time.Second, within: 2 * time.Second,
			want: []string{"driver answered id 3 while command connect had id 2"}},
		{mode: "answer-twice", timeout: 10 * time.Second, within: 2 * time.Second,
			thenWant: "driver answered id 2 again (a command it had answered already) while command hello had id 3"},
		{mode: "never-answer", timeout: 500 * time.Millisecond, within: 2 * time.Second,
			want: []string{"driver did not answer connect (id 2) within"}},
		{mode: "exit-mid-answer", timeout: 10 * time.Second, within: 4 * time.Second,
			want: []string{`driver exited (exit status 2) instead of answering connect (driver's stdout ended in the middle of a line: "\x1e{\"id\":2,\"ok")`, "fatal: the SDK crashed"}},
		{mode: "exit-leaving-child-on-stdout", timeout: 10 * time.Second, within: 4 * time.Second,
			want: []string{"driver exited (exit status 3) instead of answering connect"}},
		{mode: "endless-line", timeout: 30 * time.Second, within: 20 * time.Second,
			want: []string{"reading driver's answer to connect: driver printed a line longer than the protocol allows (16777216 bytes)"}},
		{mode: "close-stdout", timeout: 10 * time.Second, within: 4 * time.Second,
			want: []string{"driver closed its stdout instead of answering connect, and kept running"}},
		{mode: "stderr-flood-then-exit", timeout: 60 * time.Second, within: 50 * time.Second,
			want: []string{"driver exited (exit status 1) instead of answering connect", "[...]\nflood line "}},
		{mode: "stderr-flood", timeout: 60 * time.Second, within: 50 * time.Second},
		// Not hostile: the SDK's own line on stdout is kept apart from the answers.
		{mode: "sdk-output-on-stdout", timeout: 10 * time.Second, within: 2 * time.Second},
	}
	// One driver first: procgroup's signal watcher starts with the first
	// process and stays, and must not count as left behind.
	warm, _ := startHostile(t)
	warm.Close()
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			fds, goroutines := openFDs(t), runtime.NumGoroutine()
			heap := heapInUse()

			d, pgid := startHostile(t)
			_, err := d.Hello(context.Background())
			require.NoError(t, err, "hello, before misbehaving")

			ctx, cancel := context.WithTimeout(context.Background(), tt.timeout)
			defer cancel()
			start := time.Now()
			err = d.Call(ctx, "connect", map[string]string{"misbehave": tt.mode}, nil)
			took := time.Since(start)
			assert.Less(t, took, tt.within, "the call took too long")
			if tt.want == nil {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
				for _, w := range tt.want {
					assert.Contains(t, err.Error(), w)
				}
				assert.Less(t, len(err.Error()), 6<<10, "the error shows at most a capped tail of stderr")
				_, again := d.Hello(context.Background())
				assert.Equal(t, err, again, "a driver that broke the protocol fails every later call the same way")
			}
			if tt.thenWant != "" {
				_, err := d.Hello(context.Background())
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.thenWant)
			}
			assert.LessOrEqual(t, len(d.Stderr()), 64<<10, "the stderr tail is bounded")

			d.Close()
			assertGroupGone(t, pgid)
			assert.Equal(t, 0, procgroup.Live())
			// Polled here, not with assert.Eventually, whose own goroutines
			// would count.
			settled := poll(5*time.Second, func() bool { return openFDs(t) <= fds && runtime.NumGoroutine() <= goroutines })
			assert.True(t, settled, "left behind: %d file descriptors before, %d after; %d goroutines before, %d after",
				fds, openFDs(t), goroutines, runtime.NumGoroutine())
			assert.Less(t, heapInUse()-heap, int64(32<<20), "memory grew with the driver's output")

			// The next driver runs normally.
			next, _ := startHostile(t)
			defer next.Close()
			_, err = next.Hello(context.Background())
			require.NoError(t, err)
			require.NoError(t, next.Call(context.Background(), "connect", nil, nil))
		})
	}
}

func startHostile(t *testing.T) (*Driver, int) {
	t.Helper()
	d, err := Start(Command{Path: os.Args[0], Env: []string{"HOSTILE_DRIVER=1"}})
	require.NoError(t, err)
	t.Cleanup(d.Close)
	return d, d.proc.(*localProcess).proc.Process.Pid
}

// assertGroupGone checks that no process of the group is left (the
// driver's child included), allowing a moment for the kernel to reap.
func assertGroupGone(t *testing.T, pgid int) {
	t.Helper()
	assert.Eventually(t, func() bool {
		return errors.Is(syscall.Kill(-pgid, 0), syscall.ESRCH)
	}, 5*time.Second, 20*time.Millisecond, "process group %d still has processes", pgid)
}

func openFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	return len(entries)
}

func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse)
}

// poll reports whether cond became true within timeout.
func poll(timeout time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(timeout); ; time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}
