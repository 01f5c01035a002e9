package steps

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"testing"
	"time"

	"github.com/sourcegraph/jsonrpc2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/driver"
	"conformance/internal/fakeruntime"
	"conformance/internal/jsonrpc"
)

// tokenSDK is the SDK side of a connection to the fake runtime, answering
// providerToken.getToken as answer says: a reply, or nothing (nil).
type tokenSDK struct {
	answer func(params json.RawMessage) (result any, rpcErr *jsonrpc2.Error, reply bool)
}

func (s tokenSDK) Handle(ctx context.Context, conn *jsonrpc2.Conn, req *jsonrpc2.Request) {
	if req.Method != "providerToken.getToken" || req.Params == nil {
		return
	}
	result, rpcErr, reply := s.answer(*req.Params)
	switch {
	case !reply:
	case rpcErr != nil:
		_ = conn.ReplyWithError(ctx, req.ID, rpcErr)
	default:
		_ = conn.Reply(ctx, req.ID, result)
	}
}

// The check after a malformed request passes only when a well-formed
// request gets the callback's token, and says in its failure whether the
// SDK hung, answered wrongly, or died.
func TestConnectionStillServes(t *testing.T) {
	token := func(json.RawMessage) (any, *jsonrpc2.Error, bool) {
		return map[string]string{"token": "tok-2"}, nil, true
	}
	invocations := `"ok":true,"result":{"invocations":[` +
		`{"callback":"A/singular","args":{"providerName":"Default"},"token":"tok-1"},` +
		`{"callback":"A/singular","args":{"providerName":"default"},"token":"tok-2"}]}`
	tests := []struct {
		name        string
		sdk         func(json.RawMessage) (any, *jsonrpc2.Error, bool)
		closeConn   bool   // the SDK closed its connection
		driverDead  bool   // the driver (the SDK's process) has exited
		driverReply string // the driver's answer to "invocations"
		want        []string
	}{
		{name: "the callback's token passes", sdk: token, driverReply: invocations},
		{name: "a hang names the hang", sdk: func(json.RawMessage) (any, *jsonrpc2.Error, bool) { return nil, nil, false },
			driverReply: invocations, want: []string{"got no answer within 300ms", "still runs", "hangs on the connection"}},
		{name: "a dead SDK is named", sdk: token, closeConn: true, driverDead: true,
			want: []string{"the SDK closed the connection", "the SDK's process is gone"}},
		{name: "an error answer fails", sdk: func(json.RawMessage) (any, *jsonrpc2.Error, bool) {
			return nil, &jsonrpc2.Error{Code: -32603, Message: "broken"}, true
		}, driverReply: invocations, want: []string{`JSON-RPC error -32603 "broken", want its token`}},
		{name: "a token the callback did not return fails", sdk: func(json.RawMessage) (any, *jsonrpc2.Error, bool) {
			return map[string]string{"token": "tok-1"}, nil, true // the malformed request's token again
		}, driverReply: invocations, want: []string{`answered with "tok-1", which is not what the last invocation of "A/singular" returned`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt, err := fakeruntime.Start(fakeruntime.WithTokenTimeout(5 * time.Second))
			require.NoError(t, err)
			t.Cleanup(func() { _ = rt.Close() })
			nc, err := net.Dial("tcp", rt.Addr())
			require.NoError(t, err)
			conn := jsonrpc2.NewConn(context.Background(), jsonrpc2.NewBufferedStream(nc, jsonrpc.Codec{}), tokenSDK{tt.sdk})
			t.Cleanup(func() { _ = conn.Close() })
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			require.NoError(t, conn.Call(ctx, "session.create", map[string]any{"sessionId": "s", "model": "m"}, nil))
			if tt.closeConn {
				_ = conn.Close()
				waitFor(t, func() bool { _, err := rt.AskToken(ctx, fakeruntime.TokenRequest{SessionID: "s"}); return err != nil })
			}
			var d *driver.Driver
			if tt.driverDead {
				d = exitedDriver(t)
			} else {
				d = startPipeDriver(t, func(string) string { return tt.driverReply })
			}
			sc := newScenario(&Env{})
			sc.fake, sc.driver, sc.sessions["A"] = rt, d, "s"
			sc.callbacks["A/singular"] = driver.Tokens("tok-{n}")

			start := time.Now()
			err = sc.stillServes(context.Background(), "default", "A", "A/singular", 300*time.Millisecond)
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.Less(t, time.Since(start), 8*time.Second, "bounded: the request's bound and the driver probe's")
		})
	}
}

// exitedDriver is a driver program that has exited, as one whose SDK
// crashed the process.
func exitedDriver(t *testing.T) *driver.Driver {
	p := &pipeDriver{exited: make(chan struct{})}
	p.stdinR, p.stdinW = io.Pipe()
	p.stdoutR, p.stdoutW = io.Pipe()
	go func() { _, _ = io.Copy(io.Discard, p.stdinR) }()
	d := driver.New(p, driver.NewStderrTail())
	t.Cleanup(d.Close)
	p.Stop()
	return d
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
