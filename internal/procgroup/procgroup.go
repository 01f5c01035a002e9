// Package procgroup starts child processes that cannot outlive the suite.
//
// Each child gets a group of its own, so stopping it also stops whatever it
// started (npm's node, a runtime an SDK spawned). Groups are killed when
// their owner stops them and when the suite is interrupted (SIGINT,
// SIGTERM, SIGHUP). What a group is, and what happens when the suite dies
// without a chance to clean up, depends on the platform:
//
//   - Linux: a process group, and the kernel's parent-death signal kills
//     the child if the suite dies (procgroup_linux.go).
//   - macOS and other Unix: a process group; there is no parent-death
//     signal, so a child outlives a suite killed outright (SIGKILL) until
//     it notices its stdin close (procgroup_unix.go).
//   - Windows: a Job Object that kills its processes when its last handle
//     closes, which the system does when the suite dies (procgroup_windows.go).
package procgroup

import (
	"context"
	"errors"
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
	live        = map[int]group{} // leader's pid -> its running group
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
	prepare(cmd)
	if err := cmd.Start(); err != nil {
		return err
	}
	g, err := adopt(cmd.Process)
	if err != nil {
		_ = cmd.Process.Kill()
		return fmt.Errorf("procgroup: %w", err)
	}
	mu.Lock()
	live[cmd.Process.Pid] = g
	mu.Unlock()
	return nil
}

// Stop ends the group of a command started with Start: asks the whole
// group to terminate (where the platform can), then, once the command has
// exited (exited is closed by whoever runs cmd.Wait) or grace has passed,
// kills the group.
func Stop(cmd *exec.Cmd, exited <-chan struct{}, grace time.Duration) {
	if cmd.Process == nil {
		return
	}
	mu.Lock()
	g, ok := live[cmd.Process.Pid]
	delete(live, cmd.Process.Pid)
	mu.Unlock()
	if !ok {
		return
	}
	if g.terminate() {
		select {
		case <-exited:
		case <-time.After(grace):
		}
	}
	// The leader may be gone while others in its group live on: always
	// finish by killing the group.
	g.kill()
}

// KillAll kills every live group. The signal handler calls it; tests may too.
func KillAll() {
	mu.Lock()
	defer mu.Unlock()
	for pid, g := range live {
		g.kill()
		delete(live, pid)
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

// Run starts cmd in a group of its own (Start) and waits for it. When ctx
// ends first, it stops the group (Stop, with grace) and returns ctx's
// error joined with the command's. Either way, whatever the command left
// running in its group is killed once it has exited.
func Run(ctx context.Context, cmd *exec.Cmd, grace time.Duration) error {
	if err := Start(cmd); err != nil {
		return err
	}
	exited := make(chan struct{})
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait(); close(exited) }()
	var err error
	select {
	case err = <-waited:
	case <-ctx.Done():
		Stop(cmd, exited, grace)
		err = errors.Join(ctx.Err(), <-waited)
	}
	Stop(cmd, exited, 0)
	return err
}
