package driver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"conformance/internal/procgroup"
	"conformance/internal/tailbuf"
)

// Server is a process that serves a run's drivers, started once before the
// first and stopped after the last: for the Python SDK, a fork server that
// imports the SDK once, where each driver would otherwise spend two
// seconds importing it (drivers/python/README.md, "Fork server").
//
// The server and the drivers find each other through a Unix socket in a
// directory of the suite's: its path is in the environment variable
// SocketEnv of both. The server writes a line "ready" on stdout once it
// listens; it ends when its stdin closes. A driver that finds no server
// there must do the work itself, so that a server that did not start costs
// time, never a result.
type Server struct {
	Command   Command
	SocketEnv string
}

// serverStartTimeout bounds a server's start: importing an SDK takes a few
// seconds, and compiling it on first use (a fresh source checkout) longer.
const serverStartTimeout = 60 * time.Second

// RunningServer is a started Server; Stop ends it.
type RunningServer struct {
	proc   Process
	dir    string
	stderr *tailbuf.Buffer
}

// StartServer starts c.Server, if c has one, and returns the command that
// starts drivers served by it. Without a server, it returns c and a nil
// *RunningServer, whose Stop does nothing. The error says why the server
// did not become ready, with the end of its stderr; the caller may run
// c itself instead (without the server: each driver works alone).
func StartServer(ctx context.Context, c Command) (Command, *RunningServer, error) {
	if c.Server == nil {
		return c, nil, nil
	}
	// A short path: a Unix socket's path has room for about 100 bytes.
	dir, err := os.MkdirTemp("", "drv")
	if err != nil {
		return c, nil, err
	}
	procgroup.OnInterrupt(func() { _ = os.RemoveAll(dir) })
	socketVar := c.Server.SocketEnv + "=" + filepath.Join(dir, "s")
	sc := c.Server.Command
	sc.Env = append(append([]string(nil), sc.Env...), socketVar)
	stderr := tailbuf.New(4 << 10)
	proc, err := StartLocal(sc, stderr)
	if err != nil {
		_ = os.RemoveAll(dir)
		return c, nil, err
	}
	s := &RunningServer{proc: proc, dir: dir, stderr: stderr}
	if err := s.awaitReady(ctx); err != nil {
		s.Stop()
		return c, nil, fmt.Errorf("the driver server %s did not start: %w; its stderr ends:\n%s", sc, err, stderr.String())
	}
	served := c
	served.Server = nil
	served.Env = append(append([]string(nil), c.Env...), socketVar)
	return served, s, nil
}

// awaitReady waits for the server's "ready" line, its exit, or the bound.
func (s *RunningServer) awaitReady(ctx context.Context) error {
	ready := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(s.proc.Stdout()).ReadString('\n')
		switch {
		case strings.TrimSpace(line) == "ready":
			ready <- nil
		case err != nil && !errors.Is(err, io.EOF):
			ready <- err
		default:
			ready <- fmt.Errorf("it wrote %q instead of \"ready\"", line)
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, serverStartTimeout)
	defer cancel()
	select {
	case err := <-ready:
		return err
	case <-ctx.Done():
		return fmt.Errorf("no \"ready\" within %s (%w)", serverStartTimeout, ctx.Err())
	}
}

// Stop ends the server (closing its stdin asks it to) and removes its
// socket's directory. A driver it forked that still runs belongs to the
// group of the process that asked for it, and is stopped with that.
func (s *RunningServer) Stop() {
	if s == nil {
		return
	}
	_ = s.proc.Stdin().Close()
	s.proc.Stop()
	_ = os.RemoveAll(s.dir)
}
