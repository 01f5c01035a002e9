// The real runtime package is published for Linux only.
//go:build linux && experiment

package realruntime

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/sourcegraph/jsonrpc2"
	"github.com/stretchr/testify/require"

	"conformance/internal/jsonrpc"
	"conformance/internal/modelendpoint"
	"conformance/internal/wiretap"
)

// silentSDK is an SDK side that receives providerToken.getToken and never
// answers it: the identity service that never comes back.
type silentSDK struct {
	began  time.Time
	mu     sync.Mutex
	lines  []string
	ended  chan string
	tokens int
}

func (s *silentSDK) logf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines = append(s.lines, fmt.Sprintf("%8.1fs ", time.Since(s.began).Seconds())+fmt.Sprintf(format, args...))
}

func (s *silentSDK) Handle(ctx context.Context, conn *jsonrpc2.Conn, req *jsonrpc2.Request) {
	var raw string
	if req.Params != nil {
		raw = string(*req.Params)
	}
	switch req.Method {
	case "session.event":
		var p struct {
			Event struct {
				Type string          `json:"type"`
				Data json.RawMessage `json:"data"`
			} `json:"event"`
		}
		_ = json.Unmarshal(*req.Params, &p)
		if len(p.Event.Data) > 600 {
			p.Event.Data = p.Event.Data[:600]
		}
		s.logf("event %s %s", p.Event.Type, p.Event.Data)
		switch p.Event.Type {
		case "session.idle", "session.error":
			select {
			case s.ended <- p.Event.Type:
			default:
			}
		}
	case "providerToken.getToken":
		s.mu.Lock()
		s.tokens++
		s.mu.Unlock()
		s.logf("getToken #%v %s: not answered", req.ID, raw)
	default:
		s.logf("request %s %s", req.Method, raw)
		if !req.Notif {
			_ = conn.ReplyWithError(ctx, req.ID, &jsonrpc2.Error{Code: jsonrpc2.CodeMethodNotFound, Message: req.Method})
		}
	}
}

// TestHowLongTheRuntimeWaitsForAToken measures what the real runtime does
// when a turn's providerToken.getToken is never answered: how long it
// waits, whether it asks again, and how the turn ends. Run it with
//
//	go test -tags experiment -run TestHowLongTheRuntimeWaitsForAToken -v -timeout 15m ./internal/realruntime
//
// (EXPERIMENT_WATCH bounds the watch, default 10m).
func TestHowLongTheRuntimeWaitsForAToken(t *testing.T) {
	watch := 10 * time.Minute
	if v := os.Getenv("EXPERIMENT_WATCH"); v != "" {
		d, err := time.ParseDuration(v)
		require.NoError(t, err)
		watch = d
	}
	bin := realBinary(t)
	rt, err := Start(context.Background(), WithBinary(bin))
	require.NoError(t, err)
	defer rt.Close()
	tap, err := wiretap.Start(rt.Addr())
	require.NoError(t, err)
	defer tap.Close()
	model := modelendpoint.Start()
	defer model.Close()

	nc, err := net.DialTimeout("tcp", tap.Addr(), 5*time.Second)
	require.NoError(t, err)
	s := &silentSDK{began: time.Now(), ended: make(chan string, 1)}
	conn := jsonrpc2.NewConn(context.Background(), jsonrpc2.NewBufferedStream(nc, jsonrpc.Codec{}), s)
	defer conn.Close()
	call := func(method string, params, result any) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		require.NoError(t, conn.Call(ctx, method, params, result), method)
	}
	call("connect", map[string]any{"supportedTaskKinds": []string{"agent", "client", "shell"}}, nil)
	id := uuid.NewString()
	call("session.create", map[string]any{"sessionId": id, "model": "gpt-4o",
		"provider": map[string]any{"type": "openai", "baseUrl": model.URL() + "/v1", "hasBearerTokenProvider": true}}, nil)
	s.began = time.Now()
	s.logf("session.send")
	call("session.send", map[string]any{"sessionId": id, "prompt": "What is 5+5?"}, nil)
	select {
	case how := <-s.ended:
		s.logf("turn ended: %s", how)
		time.Sleep(3 * time.Second) // the frames right after
	case <-time.After(watch):
		s.logf("still no session.idle or session.error after %s: stopped watching", watch)
	}
	s.mu.Lock()
	t.Logf("runtime %s (package %s); %d getToken request(s); %d model request(s)\n%s",
		rt.Version(), rt.PackageVersion(), s.tokens, len(model.Requests()), strings.Join(s.lines, "\n"))
	s.mu.Unlock()
	t.Logf("--- wire log ---\n%s", tap.Log())
}
