// These tests watch processes through signals and /proc, and the real
// runtime package is published for Linux only: they run on Linux.
//go:build linux

package procgroup

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// alive reports whether a process exists (and is not a zombie we reaped).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	return err == nil && !strings.Contains(string(stat), ") Z ")
}

func TestStopKillsTheWholeGroup(t *testing.T) {
	// The shell starts a grandchild that ignores SIGTERM, then prints its pid.
	cmd := exec.Command("sh", "-c", `sh -c 'trap "" TERM; sleep 60' & echo $!; wait`)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, Start(cmd))
	exited := make(chan struct{})
	buf := make([]byte, 32)
	n, _ := out.Read(buf)
	grandchild, err := strconv.Atoi(strings.TrimSpace(string(buf[:n])))
	require.NoError(t, err)
	go func() { _ = cmd.Wait(); close(exited) }()
	assert.Equal(t, 1, Live())

	Stop(cmd, exited, 200*time.Millisecond)
	require.Eventually(t, func() bool { return !alive(grandchild) }, 2*time.Second, 10*time.Millisecond,
		"the grandchild that ignored SIGTERM was killed with its group")
	<-exited
	assert.Equal(t, 0, Live())
}

func TestKillAll(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	require.NoError(t, Start(cmd))
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	KillAll()
	select {
	case <-exited:
	case <-time.After(2 * time.Second):
		t.Fatal("KillAll did not kill the child")
	}
	assert.Equal(t, 0, Live())
}

func TestRunWaitsAndStopsOnTheContext(t *testing.T) {
	if err := Run(context.Background(), exec.Command("sh", "-c", "exit 3"), time.Second); err == nil {
		t.Fatal("Run of a command that exits 3 returned no error")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := Run(ctx, exec.Command("sh", "-c", "sleep 30"), time.Second)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run past its context: %v, want the context's error", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("Run took %s to stop a command when its context ended", took)
	}
	if n := Live(); n != 0 {
		t.Fatalf("%d groups left live", n)
	}
}
