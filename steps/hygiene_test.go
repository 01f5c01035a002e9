//go:build linux

// The checks read /proc and use prctl.

package steps_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"conformance/internal/procgroup"
	"conformance/internal/suite"
)

// hygieneTags selects a few scenarios of each kind of ending: passing ones
// that inspect the wire, and failing callbacks and turns.
const hygieneTags = "@BT-1,@BT-9,@BT-10"

// TestResourceHygiene runs a few scenarios with the Go SDK (on the runtimes
// and transports of $RUNTIME and $TRANSPORT, default fake and tcp) and
// checks that a run leaves nothing behind: the suite's goroutines and open
// file descriptors are back at their level before the run (which also
// covers its listening sockets), no process it started (or that those
// started) lives on, and its temporary directory is empty, so the real
// runtime's COPILOT_HOME is gone too.
//
// The check is per run, not per scenario: a scenario's resources are not
// visible from outside suite.Run, and a leak per scenario adds up over the
// run's scenarios, so it shows in the count after the run. The run is done
// twice and measured around the second: the first builds the driver and
// starts what lives for the whole test binary (procgroup's signal watcher).
func TestResourceHygiene(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the Go SDK's driver")
	}
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	// A temporary directory of the suite's own: whatever the run leaves
	// there is the run's. Processes it starts inherit it.
	scratch := filepath.Join(t.TempDir(), "tmp")
	require.NoError(t, os.Mkdir(scratch, 0o700))
	t.Setenv("TMPDIR", scratch)
	// Orphans of the suite's processes become this process's children,
	// so a process that outlives its parent is still found.
	require.NoError(t, setChildSubreaper(true))
	t.Cleanup(func() { _ = setChildSubreaper(false) }) // the package's other tests run in this process

	for _, transport := range strings.Split(envOr("TRANSPORT", "tcp"), ",") {
		for _, rt := range strings.Split(envOr("RUNTIME", suite.RuntimeFake), ",") {
			cfg := suite.Config{SDK: "go", Root: root, Tags: hygieneTags, Runtime: strings.TrimSpace(rt), Transport: strings.TrimSpace(transport)}
			cfg.ResultsDir = filepath.Join(t.TempDir(), cfg.Label())
			t.Run(cfg.Label(), func(t *testing.T) {
				runOnce(t, cfg) // warm-up
				fds, goroutines := openFDs(t), runtime.NumGoroutine()
				runOnce(t, cfg)

				settled := pollUntil(10*time.Second, func() bool {
					return len(openFDs(t)) <= len(fds) && runtime.NumGoroutine() <= goroutines
				})
				if !settled {
					var stacks bytes.Buffer
					_ = pprof.Lookup("goroutine").WriteTo(&stacks, 1)
					t.Errorf("the run left %d goroutines (%d before) and %d open files (%d before)\nopen files now: %s\nbefore: %s\n%s",
						runtime.NumGoroutine(), goroutines, len(openFDs(t)), len(fds), strings.Join(openFDs(t), ", "), strings.Join(fds, ", "), stacks.String())
				}
				if n := procgroup.Live(); n != 0 {
					t.Errorf("%d process groups were started and not stopped", n)
				}
				if left := pollChildren(5 * time.Second); len(left) > 0 {
					t.Errorf("processes left running: %s", strings.Join(left, "; "))
				}
				entries, err := os.ReadDir(scratch)
				require.NoError(t, err)
				for _, e := range entries {
					t.Errorf("left in the temporary directory: %s", e.Name())
				}
			})
		}
	}
}

func runOnce(t *testing.T, cfg suite.Config) {
	t.Helper()
	var out bytes.Buffer
	cfg.Output = &out
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	report, err := suite.Run(ctx, cfg)
	require.NoError(t, err, out.String())
	require.True(t, report.Verdict.OK(), "%s\n%s", report.Verdict.Summary(), out.String())
	t.Logf("%s: %s", cfg.Label(), report.Verdict.Summary())
}

// openFDs lists this process's open file descriptors with what they are.
func openFDs(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	var fds []string
	for _, e := range entries {
		target, _ := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		fds = append(fds, e.Name()+"->"+target)
	}
	return fds
}

func pollUntil(timeout time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(timeout); ; time.Sleep(50 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// setChildSubreaper makes this process adopt its descendants' orphans, or
// stop adopting them (prctl PR_SET_CHILD_SUBREAPER).
func setChildSubreaper(on bool) error {
	const prSetChildSubreaper = 36
	arg := uintptr(0)
	if on {
		arg = 1
	}
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, arg, 0); errno != 0 {
		return fmt.Errorf("prctl(PR_SET_CHILD_SUBREAPER): %w", errno)
	}
	return nil
}

// pollChildren reaps exited children and returns those still running
// once timeout has passed (or none are left), as "pid cmdline".
func pollChildren(timeout time.Duration) []string {
	var left []string
	pollUntil(timeout, func() bool {
		for {
			var ws syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
		left = children()
		return len(left) == 0
	})
	return left
}

// children lists the processes whose parent is this one.
func children() []string {
	self := strconv.Itoa(os.Getpid())
	dirs, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []string
	for _, stat := range dirs {
		b, err := os.ReadFile(stat)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so split after ')'.
		s := string(b)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) < 2 || fields[1] != self {
			continue
		}
		pid := filepath.Base(filepath.Dir(stat))
		cmdline, _ := os.ReadFile(filepath.Join("/proc", pid, "cmdline"))
		out = append(out, pid+" "+strings.ReplaceAll(strings.TrimSpace(string(cmdline)), "\x00", " "))
	}
	return out
}
