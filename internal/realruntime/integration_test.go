// The real runtime package is published for Linux only.
//go:build linux

package realruntime

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/sourcegraph/jsonrpc2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/jsonrpc"
	"conformance/internal/modelendpoint"
	"conformance/internal/wirelog"
	"conformance/internal/wiretap"
)

// turnTimeout bounds one turn against the real runtime. Measured: well
// under a second; a failing token request makes it retry the model call up
// to 5 times about 1 s apart, which still fits.
const turnTimeout = 30 * time.Second

// moduleRoot is the checkout: where go.mod is, and .cache/runtime under it.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, dir, parent, "no go.mod above the test's directory")
		dir = parent
	}
}

// realBinary installs (once) and returns the real runtime, or skips the
// test when it is not installed and npm is not there to install it.
func realBinary(t *testing.T) string {
	t.Helper()
	root := moduleRoot(t)
	if _, err := os.Stat(filepath.Join(root, ".cache", "runtime", DefaultVersion, binaryInPackage)); err != nil {
		if _, err := exec.LookPath("npm"); err != nil {
			t.Skipf("the real runtime is not installed under %s/.cache/runtime and npm, which installs it, is not on PATH", root)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), installTimeout)
	defer cancel()
	bin, err := Install(ctx, root, DefaultVersion, testLog{t})
	require.NoError(t, err)
	return bin
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// sdk is the SDK side of a connection, as small as it can be: it answers
// providerToken.getToken with tok-1, tok-2, ... and collects session events.
type sdk struct {
	conn   *jsonrpc2.Conn
	tokens atomic.Int32

	mu     sync.Mutex
	events []string
	idle   chan string // the sessionId of each session.idle
}

func (s *sdk) Handle(ctx context.Context, conn *jsonrpc2.Conn, req *jsonrpc2.Request) {
	switch req.Method {
	case "session.event":
		var p struct {
			SessionID string `json:"sessionId"`
			Event     struct {
				Type string `json:"type"`
			} `json:"event"`
		}
		_ = json.Unmarshal(*req.Params, &p)
		s.mu.Lock()
		s.events = append(s.events, p.Event.Type)
		s.mu.Unlock()
		if p.Event.Type == "session.idle" {
			s.idle <- p.SessionID
		}
	case "providerToken.getToken":
		_ = conn.Reply(ctx, req.ID, map[string]string{"token": fmt.Sprintf("tok-%d", s.tokens.Add(1))})
	default:
		if !req.Notif { // a request the test does not expect must not hang the runtime
			_ = conn.ReplyWithError(ctx, req.ID, &jsonrpc2.Error{Code: jsonrpc2.CodeMethodNotFound, Message: req.Method})
		}
	}
}

func (s *sdk) eventTypes() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.events, ", ")
}

func (s *sdk) call(t *testing.T, method string, params, result any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), turnTimeout)
	defer cancel()
	require.NoError(t, s.conn.Call(ctx, method, params, result), "%s (bounded to %s)", method, turnTimeout)
}

// TestRealRuntimeThroughTheTap runs one BYOK turn on the real runtime,
// offline, through the wire tap: the token the SDK answers reaches the
// model endpoint, and the tap's log holds the exchange.
func TestRealRuntimeThroughTheTap(t *testing.T) {
	bin := realBinary(t)

	began := time.Now()
	rt, err := Start(context.Background(), WithBinary(bin))
	require.NoError(t, err)
	startup := time.Since(began)
	pid := rt.Pid()
	defer func() {
		began := time.Now()
		require.NoError(t, rt.Close())
		t.Logf("real runtime: closed in %s", time.Since(began).Round(time.Millisecond))
		assert.False(t, alive(pid), "the runtime's process is gone after Close")
	}()
	t.Logf("real runtime %s (package %s, protocol %d) at %s: started in %s",
		rt.Version(), rt.PackageVersion(), rt.ProtocolVersion(), rt.Addr(), startup.Round(time.Millisecond))
	assert.Equal(t, DefaultVersion, rt.PackageVersion())
	assert.Equal(t, 3, rt.ProtocolVersion())
	assert.NotEmpty(t, rt.Version())

	tap, err := wiretap.Start(rt.Addr())
	require.NoError(t, err)
	defer tap.Close()
	model := modelendpoint.Start()
	defer model.Close()
	failure := func() string {
		return fmt.Sprintf("\n--- wire log ---\n%s--- tap problems ---\n%s\n--- model requests ---\n%s--- runtime output ---\n%s",
			tap.Log(), strings.Join(tap.Problems(), "\n"), model, rt.Output())
	}

	nc, err := net.DialTimeout("tcp", tap.Addr(), 5*time.Second)
	require.NoError(t, err)
	s := &sdk{idle: make(chan string, 4)}
	s.conn = jsonrpc2.NewConn(context.Background(), jsonrpc2.NewBufferedStream(nc, jsonrpc.Codec{}), s)
	defer s.conn.Close()

	var hello struct {
		ProtocolVersion int    `json:"protocolVersion"`
		Version         string `json:"version"`
	}
	s.call(t, "connect", map[string]any{"supportedTaskKinds": []string{"agent", "client", "shell"}}, &hello)
	require.Equal(t, 3, hello.ProtocolVersion, failure())
	assert.Equal(t, rt.Version(), hello.Version)

	sessionID := uuid.NewString()
	var created struct {
		SessionID string `json:"sessionId"`
	}
	s.call(t, "session.create", map[string]any{
		"sessionId": sessionID,
		"model":     "gpt-4o",
		"provider": map[string]any{
			"type": "openai", "baseUrl": model.URL() + "/v1", "hasBearerTokenProvider": true,
		},
	}, &created)
	require.Equal(t, sessionID, created.SessionID, failure())

	turnBegan := time.Now()
	var sent struct {
		MessageID string `json:"messageId"`
	}
	s.call(t, "session.send", map[string]any{"sessionId": sessionID, "prompt": "What is 5+5?"}, &sent)
	assert.NotEmpty(t, sent.MessageID)
	select {
	case id := <-s.idle:
		assert.Equal(t, sessionID, id)
	case <-time.After(turnTimeout):
		t.Fatalf("no session.idle within %s; events so far: %s%s", turnTimeout, s.eventTypes(), failure())
	}
	t.Logf("real runtime: one turn (session.send to session.idle) in %s, %d getToken request(s), %d model request(s)",
		time.Since(turnBegan).Round(time.Millisecond), s.tokens.Load(), len(model.Requests()))

	reqs := model.Requests()
	require.NotEmpty(t, reqs, "the runtime made no model request%s", failure())
	assert.Equal(t, "Bearer tok-1", reqs[0].Authorization, failure())
	assert.Equal(t, "/v1/chat/completions", reqs[0].Path)
	assert.Contains(t, s.eventTypes(), "assistant.message")

	getToken := tap.Log().Requests(wirelog.RuntimeToSDK, "providerToken.getToken")
	require.NotEmpty(t, getToken, "the tap logged no providerToken.getToken%s", failure())
	var args struct {
		SessionID    string `json:"sessionId"`
		ProviderName string `json:"providerName"`
	}
	require.NoError(t, json.Unmarshal(getToken[0].Params, &args))
	assert.Equal(t, sessionID, args.SessionID)
	assert.Equal(t, "default", args.ProviderName)
	answer, ok := tap.Log().ResponseTo(wirelog.SDKToRuntime, getToken[0])
	require.True(t, ok, "the tap logged no answer to getToken %s%s", getToken[0].ID, failure())
	assert.JSONEq(t, `{"token":"tok-1"}`, string(answer.Result))
	assert.True(t, answer.Time.After(getToken[0].Time), "the answer is logged after the request")
	assert.Equal(t, len(reqs), len(getToken), "one getToken per model request")
	assert.Empty(t, tap.Log().Errors())
	assert.Empty(t, tap.Problems())

	// What a runtime shared by several scenarios must survive: an SDK that
	// shuts it down leaves a process that listens but serves no one.
	ctx, cancel := context.WithTimeout(context.Background(), turnTimeout)
	defer cancel()
	require.NoError(t, rt.Check(ctx))
	s.call(t, "runtime.shutdown", map[string]any{}, nil)
	err = rt.Check(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "SERVER_SHUTTING_DOWN")
	select {
	case <-rt.Exited():
		t.Log("real runtime: exited after runtime.shutdown")
	default:
		t.Log("real runtime: still running after runtime.shutdown, answering SERVER_SHUTTING_DOWN")
	}
}

// TestARealRuntimeDiesWithItsSuite: measured before this launcher, a real
// runtime started with --port ran on for ten minutes after its starter
// crashed.
func TestARealRuntimeDiesWithItsSuite(t *testing.T) {
	bin := realBinary(t)
	for _, how := range []string{"SIGKILL", "panic"} {
		t.Run(how, func(t *testing.T) {
			runStarter(t, how, []string{"REALRUNTIME_TEST_BINARY=" + bin})
		})
	}
}
