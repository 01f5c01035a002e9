// Package wiretap is a framing-aware TCP proxy between an SDK and a
// runtime. It forwards every Content-Length frame with its body unchanged
// and records it in a wire log, so that a scenario against the real
// runtime has the same wire log as one against the fake runtime, and the
// same steps assert on both.
//
// Each frame is logged before it is forwarded. So a frame the other side
// sends in answer to it is always logged after it: the log's order is the
// conversation's causal order, as in the fake runtime's log.
package wiretap

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
	"time"

	"conformance/internal/jsonrpc"
	"conformance/internal/wirelog"
)

// DefaultDialTimeout bounds connecting to the upstream runtime; on
// loopback a refusal is immediate, so this only matters for an address
// that does not answer at all.
const DefaultDialTimeout = 10 * time.Second

type config struct {
	maxFrameSize int
	dialTimeout  time.Duration
	dial         func(ctx context.Context, network, addr string) (net.Conn, error) // tests replace it
}

// Option configures Start.
type Option func(*config)

// WithMaxFrameSize bounds a frame's body in either direction (default
// jsonrpc.DefaultMaxFrameSize). A larger frame is an unreadable frame.
func WithMaxFrameSize(n int) Option { return func(c *config) { c.maxFrameSize = n } }

// WithDialTimeout bounds connecting to upstream (default DefaultDialTimeout).
func WithDialTimeout(d time.Duration) Option { return func(c *config) { c.dialTimeout = d } }

// Tap is a running proxy. Close it when done.
type Tap struct {
	cfg      config
	ln       net.Listener
	upstream string
	log      *wirelog.Log
	ctx      context.Context // cancelled by Close: ends dials in flight
	cancel   context.CancelFunc
	wg       sync.WaitGroup

	mu       sync.Mutex
	closed   bool
	conns    map[net.Conn]struct{}
	problems []string
}

// Start listens on a loopback port and relays each connection accepted
// there to upstream (host:port), over a connection of its own.
func Start(upstream string, opts ...Option) (*Tap, error) {
	cfg := config{maxFrameSize: jsonrpc.DefaultMaxFrameSize, dialTimeout: DefaultDialTimeout, dial: (&net.Dialer{}).DialContext}
	for _, o := range opts {
		o(&cfg)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("wire tap: listen on loopback: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t := &Tap{cfg: cfg, ln: ln, upstream: upstream, log: wirelog.New(), ctx: ctx, cancel: cancel, conns: map[net.Conn]struct{}{}}
	t.wg.Add(1)
	go t.accept()
	return t, nil
}

// Addr is where SDKs connect instead of the runtime.
func (t *Tap) Addr() string { return t.ln.Addr().String() }

// Upstream is the address the tap relays to.
func (t *Tap) Upstream() string { return t.upstream }

// Log is the wire log of every relayed connection.
func (t *Tap) Log() *wirelog.Log { return t.log }

// Problems lists what went wrong in relaying that the wire log does not
// show: an upstream that could not be reached, a connection reset, a frame
// that could not be delivered, and (also in the log) unreadable frames.
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

// Close stops listening, closes every relayed connection, both sides, and
// waits for the relays to end. Closing again does nothing.
func (t *Tap) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	for c := range t.conns {
		_ = c.Close()
	}
	t.mu.Unlock()
	err := t.ln.Close()
	t.cancel()
	t.wg.Wait()
	return err
}

// track remembers a connection for Close. It reports false, and the
// caller must drop the connection, once Close has begun: Close has
// already closed what it knew of.
func (t *Tap) track(c net.Conn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.conns[c] = struct{}{}
	return true
}

func (t *Tap) untrack(c net.Conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.conns, c)
}

func (t *Tap) accept() {
	defer t.wg.Done()
	for {
		sdk, err := t.ln.Accept()
		if err != nil {
			return // closed
		}
		// One goroutine per connection: dialling upstream must not hold
		// up the next accept.
		t.wg.Add(1)
		go t.serve(sdk)
	}
}

// serve relays one SDK connection until both directions have ended.
func (t *Tap) serve(sdk net.Conn) {
	defer t.wg.Done()
	defer sdk.Close()
	if !t.track(sdk) {
		return
	}
	defer t.untrack(sdk)
	ctx, cancel := context.WithTimeout(t.ctx, t.cfg.dialTimeout)
	runtime, err := t.cfg.dial(ctx, "tcp", t.upstream)
	cancel()
	if err != nil {
		if t.ctx.Err() == nil {
			t.problem("wire tap: cannot reach the runtime at %s (the SDK's connection is closed): %v", t.upstream, err)
		}
		return
	}
	defer runtime.Close()
	if !t.track(runtime) {
		return
	}
	defer t.untrack(runtime)
	// An unreadable or undeliverable frame ends both directions: after it
	// the two sides no longer agree on what was said.
	abort := func() {
		sdk.Close()
		runtime.Close()
	}
	wire := t.log.NewConnection()
	done := make(chan struct{})
	go func() {
		defer close(done)
		t.relay(runtime, sdk, wire, wirelog.RuntimeToSDK, abort)
	}()
	t.relay(sdk, runtime, wire, wirelog.SDKToRuntime, abort)
	<-done
}

// relay copies frames from src to dst until src ends. A clean end (EOF
// between frames) is passed on as a half-close, so answers to what src
// sent last still travel the other way, as they would without the tap.
func (t *Tap) relay(src, dst net.Conn, wire wirelog.Connection, dir wirelog.Direction, abort func()) {
	r := bufio.NewReader(src)
	for {
		body, err := jsonrpc.ReadFrame(r, t.cfg.maxFrameSize)
		if err != nil {
			switch {
			case errors.Is(err, io.EOF):
				if cw, ok := dst.(interface{ CloseWrite() error }); ok {
					_ = cw.CloseWrite()
				}
			case errors.Is(err, net.ErrClosed):
				// Close, or the other direction aborted.
			case errors.Is(err, syscall.ECONNRESET):
				// The sender vanished (a driver killed at the end of a
				// scenario): not a frame it sent wrong.
				t.problem("wire tap: %s: connection reset by the sender: %v", dir, err)
				abort()
			default:
				wire.AddError(dir, err)
				t.problem("wire tap: %s: unreadable frame (both sides closed): %v", dir, err)
				abort()
			}
			return
		}
		if json.Valid(body) {
			wire.Add(dir, body)
		} else {
			// Forwarded all the same (the tap must not change what the
			// other side sees), but logged as an error: the wire log holds
			// JSON, and the steps and records that read it rely on that.
			err := fmt.Errorf("%w: %q", jsonrpc.ErrInvalidJSON, truncate(body, 200))
			wire.AddError(dir, err)
			t.problem("wire tap: %s: %v", dir, err)
		}
		if err := jsonrpc.WriteFrame(dst, body); err != nil {
			if !errors.Is(err, net.ErrClosed) {
				t.problem("wire tap: %s: a frame was logged but not delivered (both sides closed): %v", dir, err)
			}
			abort()
			return
		}
	}
}

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "..."
}
