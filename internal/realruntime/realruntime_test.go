package realruntime

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/procgroup"
)

func script(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "copilot-runtime")
	require.NoError(t, os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755))
	return path
}

func TestStartParsesThePortAndCloseStopsTheGroup(t *testing.T) {
	// A stand-in that prints what the real one prints, then lingers with a
	// child of its own, as a runtime started with --port does.
	bin := script(t, `echo "CLI server listening on port 45678"; sleep 60 & wait`)
	r, err := Start(context.Background(), WithBinary(bin))
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:45678", r.Addr())
	assert.Contains(t, r.Output(), "listening on port 45678")
	home := r.home
	require.NoError(t, r.Close())
	assert.NoDirExists(t, home, "its COPILOT_HOME is removed")
	assert.Equal(t, 0, procgroup.Live())
	out, _ := exec.Command("pgrep", "-f", "sleep 60").Output()
	assert.Empty(t, string(out), "the runtime's children died with it")
}

func TestStartReportsARuntimeThatExits(t *testing.T) {
	_, err := Start(context.Background(), WithBinary(script(t, `echo "no auth configured" >&2; exit 3`)))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "exited before listening")
	assert.Contains(t, err.Error(), "no auth configured")
}

func TestStartIsBounded(t *testing.T) {
	start := time.Now()
	_, err := Start(context.Background(), WithBinary(script(t, `echo starting; sleep 60`)), WithStartupTimeout(300*time.Millisecond))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `did not print "listening on port N" within 300ms`)
	assert.Contains(t, err.Error(), "starting")
	assert.Less(t, time.Since(start), 10*time.Second)
	assert.Equal(t, 0, procgroup.Live())
}
