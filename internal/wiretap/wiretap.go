// Package wiretap is a framing-aware TCP proxy between an SDK and a
// runtime. It forwards every Content-Length frame unchanged and records it
// in a wire log, so that a scenario against the real runtime has the same
// wire log as one against the fake runtime, and the same steps assert on
// both.
package wiretap

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	"conformance/internal/jsonrpc"
	"conformance/internal/wirelog"
)

// Tap is a running proxy. Close it when done.
type Tap struct {
	ln       net.Listener
	upstream string
	log      *wirelog.Log

	mu       sync.Mutex
	closed   bool
	conns    []net.Conn
	problems []string
	wg       sync.WaitGroup
}

// Start listens on a loopback port and relays each connection to upstream.
func Start(upstream string) (*Tap, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("wire tap: listen on loopback: %w", err)
	}
	t := &Tap{ln: ln, upstream: upstream, log: wirelog.New()}
	t.wg.Add(1)
	go t.accept()
	return t, nil
}

// Addr is where SDKs connect instead of the runtime.
func (t *Tap) Addr() string { return t.ln.Addr().String() }

// Log is the wire log of every relayed connection.
func (t *Tap) Log() *wirelog.Log { return t.log }

// Problems lists what went wrong in relaying: an upstream that refused, an
// unreadable frame.
func (t *Tap) Problems() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.problems...)
}

func (t *Tap) problem(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.problems = append(t.problems, fmt.Sprintf(format, args...))
}

// Close stops listening, closes every relayed connection and waits for the
// relays to end.
func (t *Tap) Close() error {
	err := t.ln.Close()
	t.mu.Lock()
	t.closed = true
	for _, c := range t.conns {
		_ = c.Close()
	}
	t.mu.Unlock()
	t.wg.Wait()
	return err
}

// track remembers a connection for Close; one accepted while Close runs
// is closed at once, so that no relay outlives Close.
func (t *Tap) track(c net.Conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		c.Close()
	}
	t.conns = append(t.conns, c)
}

func (t *Tap) accept() {
	defer t.wg.Done()
	for {
		sdk, err := t.ln.Accept()
		if err != nil {
			return // closed
		}
		t.track(sdk)
		runtime, err := net.Dial("tcp", t.upstream)
		if err != nil {
			t.problem("wire tap: the runtime at %s refused: %v", t.upstream, err)
			sdk.Close()
			continue
		}
		t.track(runtime)
		t.wg.Add(2)
		go t.relay(sdk, runtime, wirelog.SDKToRuntime)
		go t.relay(runtime, sdk, wirelog.RuntimeToSDK)
	}
}

// relay copies frames from src to dst until src ends. An unreadable frame
// is logged and ends both directions: after it, the two sides no longer
// agree where frames start.
func (t *Tap) relay(src, dst net.Conn, dir wirelog.Direction) {
	defer t.wg.Done()
	r := bufio.NewReader(src)
	for {
		body, err := jsonrpc.ReadFrame(r, jsonrpc.DefaultMaxFrameSize)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				t.log.AddError(dir, err)
				t.problem("wire tap: unreadable frame %s: %v", dir, err)
			}
			src.Close()
			dst.Close()
			return
		}
		t.log.Add(dir, body)
		if err := jsonrpc.WriteFrame(dst, body); err != nil {
			src.Close()
			return
		}
	}
}
