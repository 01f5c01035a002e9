// Package procgroup starts child processes that cannot outlive the suite.
//
// Each child gets a process group of its own, so stopping it also stops
// whatever it started (npm's node, a runtime an SDK spawned). Groups are
// killed when their owner stops them, when the suite is interrupted
// (SIGINT, SIGTERM, SIGHUP), and, through the kernel's parent-death signal,
// when the suite itself dies without a chance to clean up.
package procgroup

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

var (
	mu          sync.Mutex
	live        = map[int]struct{}{} // pgid -> running
	onInterrupt []func()
	watched     sync.Once
)

// OnInterrupt registers f to run when the suite is interrupted, after the
// process groups are killed and before it exits: for what is not a
// process group of ours (containers). f must be bounded.
func OnInterrupt(f func()) {
	watched.Do(watchSignals)
	mu.Lock()
	defer mu.Unlock()
	onInterrupt = append(onInterrupt, f)
}

// Start starts cmd in a new process group that is killed on interrupt.
// Stop it with Stop.
func Start(cmd *exec.Cmd) error {
	watched.Do(watchSignals)
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	// If the suite is killed outright, the kernel kills the child.
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	if err := cmd.Start(); err != nil {
		return err
	}
	mu.Lock()
	live[cmd.Process.Pid] = struct{}{}
	mu.Unlock()
	return nil
}

// Stop ends the process group of a command started with Start: SIGTERM to
// the whole group, then, once the command has exited (exited is closed by
// whoever runs cmd.Wait) or grace has passed, SIGKILL to the group.
func Stop(cmd *exec.Cmd, exited <-chan struct{}, grace time.Duration) {
	if cmd.Process == nil {
		return
	}
	pgid := cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(grace):
	}
	// The leader may be gone while others in its group live on: always
	// finish with SIGKILL to the group.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	mu.Lock()
	delete(live, pgid)
	mu.Unlock()
}

// KillAll kills every live group. The signal handler calls it; tests may too.
func KillAll() {
	mu.Lock()
	defer mu.Unlock()
	for pgid := range live {
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		delete(live, pgid)
	}
}

// Live is the number of groups started and not yet stopped.
func Live() int {
	mu.Lock()
	defer mu.Unlock()
	return len(live)
}

func watchSignals() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		sig := <-ch
		KillAll()
		mu.Lock()
		hooks := append([]func(){}, onInterrupt...)
		mu.Unlock()
		for _, f := range hooks {
			f()
		}
		fmt.Fprintf(os.Stderr, "\nprocgroup: %v: stopped every process the suite started\n", sig)
		code := 130
		if s, ok := sig.(syscall.Signal); ok {
			code = 128 + int(s)
		}
		os.Exit(code)
	}()
}
