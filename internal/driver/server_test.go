//go:build unix

package driver

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A server here is a shell script: what StartServer owes every server is
// the socket's path in its environment, the wait for "ready", and a Stop
// that leaves nothing behind. (drivers/python's fork server itself runs in
// every python run of make test.)
func TestStartServer(t *testing.T) {
	const socketEnv = "TEST_DRIVER_SERVER"
	server := func(script string) Command {
		return Command{Path: "/bin/sh", Args: []string{"-c", script}}
	}
	tests := []struct {
		name      string
		script    string
		wantErr   string // "" for a server that starts
		wantInErr string // the end of its stderr, in the error
	}{
		{name: "ready", script: `echo ready; read line`},
		{name: "reads its socket path", script: `case "$` + socketEnv + `" in */s) echo ready;; *) echo "no path";; esac; read line`},
		{name: "exits first", script: `echo "ImportError: no module named copilot" >&2; exit 1`,
			wantErr: `instead of "ready"`, wantInErr: "ImportError: no module named copilot"},
		{name: "says something else", script: `echo listening; read line`, wantErr: `wrote "listening\n" instead of "ready"`},
		{name: "never ready", script: `echo importing >&2; sleep 30`, wantErr: `no "ready" within`, wantInErr: "importing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			c := Command{Path: "/bin/true", Env: []string{"A=1"},
				Server: &Server{Command: server(tt.script), SocketEnv: socketEnv}}
			served, s, err := StartServer(ctx, c)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Contains(t, err.Error(), tt.wantInErr)
				assert.Nil(t, s)
				assert.Equal(t, c.Env, served.Env, "without a server, drivers start as they would have")
				return
			}
			require.NoError(t, err)
			assert.Nil(t, served.Server)
			require.Len(t, served.Env, 2)
			assert.Equal(t, "A=1", served.Env[0])
			path, ok := strings.CutPrefix(served.Env[1], socketEnv+"=")
			require.True(t, ok, "the drivers learn the socket's path: %v", served.Env)
			assert.Equal(t, []string{"A=1"}, c.Env, "the caller's command is unchanged")
			s.Stop()
			_, err = os.Stat(filepath.Dir(path))
			assert.True(t, os.IsNotExist(err), "Stop removes the socket's directory")
			select {
			case <-s.proc.Exited():
			default:
				t.Error("Stop left the server running")
			}
		})
	}
}

func TestStartServerWithoutOne(t *testing.T) {
	c := Command{Path: "/bin/true"}
	served, s, err := StartServer(context.Background(), c)
	require.NoError(t, err)
	assert.Equal(t, c, served)
	s.Stop() // a nil server's Stop does nothing
}
