// Package fakeruntime is the suite's own Copilot runtime: the runtime side
// of the SDK protocol (JSON-RPC 2.0 over Content-Length frames on a loopback
// TCP port), just enough of it for an SDK to connect, create and resume
// sessions and run turns against a BYOK provider, plus the power to act on
// its own (ask an SDK for tokens at will) that the real runtime lacks.
//
// What it answers follows docs/real-runtime-trace.node-1.0.14.json, a
// recording of the real runtime (CONTRACT.md describes the exchange). Every frame both ways goes to a wire log.
package fakeruntime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/sourcegraph/jsonrpc2"

	"conformance/internal/jsonrpc"
	"conformance/internal/wirelog"
)

// ProtocolVersion is the SDK protocol version the fake runtime reports; the
// real runtime 1.0.85 reports 3.
const ProtocolVersion = 3

// Version is what the fake runtime reports as its own version.
const Version = "fake-1"

type config struct {
	modelRequestsPerTurn int
	modelRetries         int
	modelRetryDelay      time.Duration
	tokenTimeout         time.Duration
	maxFrameSize         int
	httpClient           *http.Client
}

// Option configures a Runtime.
type Option func(*config)

// WithModelRequestsPerTurn sets how many model requests each turn makes
// (default 1). Each one asks for a fresh token first, as the real runtime
// does.
func WithModelRequestsPerTurn(n int) Option { return func(c *config) { c.modelRequestsPerTurn = n } }

// WithModelRetries sets how often a failed model call is retried, each
// time with a fresh token request, and the wait before each retry
// (default 5 and DefaultModelRetryDelay; the real runtime 1.0.85 retries
// 5 times about 1 s apart).
func WithModelRetries(n int, delay time.Duration) Option {
	return func(c *config) { c.modelRetries, c.modelRetryDelay = n, delay }
}

// DefaultModelRetryDelay is the fake runtime's wait before retrying a
// failed model call: shorter than the real runtime's second, so that a
// scenario whose callback keeps failing stays quick; the steps judge the
// requests and their answers, not the wait.
const DefaultModelRetryDelay = 200 * time.Millisecond

// WithTokenTimeout bounds how long the runtime waits for the SDK's answer to
// a providerToken.getToken request (default 30s).
func WithTokenTimeout(d time.Duration) Option { return func(c *config) { c.tokenTimeout = d } }

// WithMaxFrameSize bounds incoming frames (default jsonrpc.DefaultMaxFrameSize).
func WithMaxFrameSize(n int) Option { return func(c *config) { c.maxFrameSize = n } }

// Runtime is a running fake runtime. Close it when done.
type Runtime struct {
	cfg  config
	ln   net.Listener
	log  *wirelog.Log
	ctx  context.Context // cancelled by Close; bounds turns in flight
	stop context.CancelFunc
	wg   sync.WaitGroup

	mu       sync.Mutex
	closed   bool
	conns    []*jsonrpc2.Conn
	sessions map[string]*Session
	problems []string
	// pendingClient are the turns' requests to the SDK (a permission, a
	// client tool) by requestId, waiting for the SDK's answer.
	pendingClient map[string]chan json.RawMessage
}

// Start listens on a loopback port and serves SDK connections until Close.
func Start(opts ...Option) (*Runtime, error) {
	cfg := config{modelRequestsPerTurn: 1, modelRetries: 5, modelRetryDelay: DefaultModelRetryDelay, tokenTimeout: 30 * time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.httpClient == nil {
		cfg.httpClient = &http.Client{Timeout: 15 * time.Second}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fake runtime: listen on loopback: %w", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	r := &Runtime{cfg: cfg, ln: ln, log: wirelog.New(), ctx: ctx, stop: stop, sessions: map[string]*Session{},
		pendingClient: map[string]chan json.RawMessage{}}
	r.wg.Add(1)
	go r.acceptLoop()
	return r, nil
}

// Addr is the host:port SDKs connect to.
func (r *Runtime) Addr() string { return r.ln.Addr().String() }

// Log is the wire log of every connection.
func (r *Runtime) Log() *wirelog.Log { return r.log }

// SetModelRequestsPerTurn changes how many model requests later turns make.
func (r *Runtime) SetModelRequestsPerTurn(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cfg.modelRequestsPerTurn = n
}

// Problems lists what went wrong that no JSON-RPC answer shows: unreadable
// frames, responses to requests never sent, methods the fake runtime does
// not know, turns that could not reach the model endpoint.
func (r *Runtime) Problems() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.problems...)
}

func (r *Runtime) problem(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

// Close stops listening, closes every connection and waits for turns in
// flight to end.
func (r *Runtime) Close() error {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.stop()
	err := r.ln.Close()
	r.mu.Lock()
	conns := append([]*jsonrpc2.Conn(nil), r.conns...)
	r.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
	r.wg.Wait()
	return err
}

// goTracked runs f in a goroutine that Close waits for; after Close it does
// nothing.
func (r *Runtime) goTracked(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		f()
	}()
}

func (r *Runtime) acceptLoop() {
	defer r.wg.Done()
	for {
		nc, err := r.ln.Accept()
		if err != nil {
			return // closed
		}
		r.serve(nc)
	}
}

func (r *Runtime) serve(nc net.Conn) {
	wire := r.log.NewConnection()
	codec := jsonrpc.Codec{
		MaxFrameSize: r.cfg.maxFrameSize,
		OnRead:       func(b []byte) { wire.Add(wirelog.SDKToRuntime, b) },
		OnWrite:      func(b []byte) { wire.Add(wirelog.RuntimeToSDK, b) },
		OnReadError: func(err error) {
			wire.AddError(wirelog.SDKToRuntime, err)
			r.problem("unreadable frame from the SDK (connection closed): %v", err)
		},
	}
	conn := jsonrpc2.NewConn(r.ctx, jsonrpc2.NewBufferedStream(nc, codec), handler{r},
		jsonrpc2.SetLogger(problemLogger{r}))
	r.mu.Lock()
	r.conns = append(r.conns, conn)
	r.mu.Unlock()
}

// problemLogger turns jsonrpc2's own complaints (a response with an id the
// runtime never sent, say) into problems.
type problemLogger struct{ r *Runtime }

func (l problemLogger) Printf(format string, args ...any) { l.r.problem("jsonrpc2: "+format, args...) }

// latestConn is the most recent SDK connection still open, used to reach an
// SDK about a session the runtime does not know.
func (r *Runtime) latestConn() *jsonrpc2.Conn {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.conns) - 1; i >= 0; i-- {
		select {
		case <-r.conns[i].DisconnectNotify():
		default:
			return r.conns[i]
		}
	}
	return nil
}

// notifyEvent sends a session.event notification shaped as the real
// runtime's: {sessionId, event: {type, data, id, timestamp, parentId}}.
func notifyEvent(ctx context.Context, conn *jsonrpc2.Conn, sessionID, typ string, data any) {
	_ = conn.Notify(ctx, "session.event", map[string]any{
		"sessionId": sessionID,
		"event": map[string]any{
			"type": typ, "data": data, "id": uuid.NewString(),
			"timestamp": time.Now().UTC().Format(time.RFC3339Nano), "parentId": nil,
		},
	})
}

// rpcError builds a JSON-RPC error object.
func rpcError(code int64, format string, args ...any) *jsonrpc2.Error {
	return &jsonrpc2.Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

var errClosed = errors.New("fake runtime closed")
