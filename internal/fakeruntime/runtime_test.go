package fakeruntime

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sourcegraph/jsonrpc2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/jsonrpc"
	"conformance/internal/modelendpoint"
	"conformance/internal/wirelog"
)

// fakeSDK is the SDK side of a connection, for testing the runtime: it
// answers providerToken.getToken with tokenFn and collects session events.
type fakeSDK struct {
	conn    *jsonrpc2.Conn
	tokenFn func(TokenRequest) (any, error)
	calls   atomic.Int32
	// toolResult, when set, is what the SDK's client tool returns: it
	// approves permission.requested and answers external_tool.requested
	// with it, as an SDK with a permission handler that approves all does.
	toolResult func(toolName string, arguments any) any

	mu     sync.Mutex
	events []map[string]any
	idle   chan struct{}
}

func (f *fakeSDK) Handle(ctx context.Context, conn *jsonrpc2.Conn, req *jsonrpc2.Request) {
	switch req.Method {
	case "session.event":
		var p struct{ Event map[string]any }
		_ = json.Unmarshal(*req.Params, &p)
		f.mu.Lock()
		f.events = append(f.events, p.Event)
		f.mu.Unlock()
		if p.Event["type"] == "session.idle" {
			f.idle <- struct{}{}
		}
		f.answerClientRequest(ctx, conn, p.Event)
	case "providerToken.getToken":
		f.calls.Add(1)
		var p TokenRequest
		_ = json.Unmarshal(*req.Params, &p)
		go func() { // as a real SDK does: answering may take a while
			v, err := f.tokenFn(p)
			if err != nil {
				_ = conn.ReplyWithError(ctx, req.ID, &jsonrpc2.Error{Code: -32603, Message: err.Error()})
				return
			}
			_ = conn.Reply(ctx, req.ID, v)
		}()
	}
}

// answerClientRequest answers the events by which the runtime asks the
// SDK to approve and run a client tool, from a goroutine: the calls must
// not block the connection's read loop that delivers their answers.
func (f *fakeSDK) answerClientRequest(ctx context.Context, conn *jsonrpc2.Conn, event map[string]any) {
	if f.toolResult == nil {
		return
	}
	data, _ := event["data"].(map[string]any)
	switch event["type"] {
	case "permission.requested":
		go func() {
			_ = conn.Call(ctx, "session.permissions.handlePendingPermissionRequest", map[string]any{
				"sessionId": "s", "requestId": data["requestId"], "result": map[string]any{"kind": "approve-once"}}, nil)
		}()
	case "external_tool.requested":
		go func() {
			_ = conn.Call(ctx, "session.tools.handlePendingToolCall", map[string]any{
				"sessionId": "s", "requestId": data["requestId"], "result": f.toolResult(data["toolName"].(string), data["arguments"])}, nil)
		}()
	}
}

func (f *fakeSDK) eventTypes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var types []string
	for _, e := range f.events {
		types = append(types, e["type"].(string))
	}
	return types
}

func (f *fakeSDK) call(t *testing.T, method string, params any) json.RawMessage {
	t.Helper()
	var out json.RawMessage
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, f.conn.Call(ctx, method, params, &out), method)
	return out
}

func (f *fakeSDK) waitIdle(t *testing.T) {
	t.Helper()
	select {
	case <-f.idle:
	case <-time.After(5 * time.Second):
		t.Fatalf("no session.idle within 5s; events: %v", f.eventTypes())
	}
}

func start(t *testing.T, opts ...Option) (*Runtime, *modelendpoint.Server) {
	t.Helper()
	rt, err := Start(opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = rt.Close() })
	model := modelendpoint.Start()
	t.Cleanup(model.Close)
	return rt, model
}

func connectSDK(t *testing.T, rt *Runtime, tokenFn func(TokenRequest) (any, error)) *fakeSDK {
	t.Helper()
	nc, err := net.Dial("tcp", rt.Addr())
	require.NoError(t, err)
	f := &fakeSDK{tokenFn: tokenFn, idle: make(chan struct{}, 16)}
	f.conn = jsonrpc2.NewConn(context.Background(), jsonrpc2.NewBufferedStream(nc, jsonrpc.Codec{}), f)
	t.Cleanup(func() { _ = f.conn.Close() })
	return f
}

func rotating(prefix string) func(TokenRequest) (any, error) {
	var n atomic.Int32
	return func(TokenRequest) (any, error) {
		return map[string]string{"token": fmt.Sprintf("%s-%d", prefix, n.Add(1))}, nil
	}
}

func TestHandshakeMethods(t *testing.T) {
	rt, _ := start(t)
	sdk := connectSDK(t, rt, rotating("t"))
	assert.JSONEq(t, `{"ok":true,"protocolVersion":3,"version":"fake-1","taskKinds":["agent","shell","client"]}`,
		string(sdk.call(t, "connect", map[string]any{"supportedTaskKinds": []string{"agent"}})))
	assert.Contains(t, string(sdk.call(t, "ping", map[string]any{"message": "hi"})), `"protocolVersion":3`)
	assert.Contains(t, string(sdk.call(t, "status.get", map[string]any{})), `"protocolVersion":3`)
	assert.JSONEq(t, `{}`, string(sdk.call(t, "runtime.shutdown", map[string]any{})))
}

func TestUnknownMethodIsMethodNotFoundAndRecorded(t *testing.T) {
	rt, _ := start(t)
	sdk := connectSDK(t, rt, rotating("t"))
	err := sdk.conn.Call(context.Background(), "models.list", map[string]any{}, nil)
	var rpcErr *jsonrpc2.Error
	require.ErrorAs(t, err, &rpcErr)
	assert.Equal(t, int64(jsonrpc2.CodeMethodNotFound), rpcErr.Code)
	assert.Contains(t, rpcErr.Message, "models.list")
	require.Len(t, rt.Problems(), 1)
	assert.Contains(t, rt.Problems()[0], `"models.list"`)
}

func TestCreateAnswersSessionIDThenStartEvent(t *testing.T) {
	rt, model := start(t)
	sdk := connectSDK(t, rt, rotating("t"))
	res := sdk.call(t, "session.create", map[string]any{
		"sessionId": "s-1", "model": "gpt-4o",
		"provider": map[string]any{"type": "openai", "baseUrl": model.URL() + "/v1", "hasBearerTokenProvider": true},
	})
	assert.Contains(t, string(res), `"sessionId":"s-1"`)
	require.Eventually(t, func() bool { return len(sdk.eventTypes()) == 1 }, 2*time.Second, 5*time.Millisecond)
	assert.Equal(t, []string{"session.start"}, sdk.eventTypes())
	// The fields SDK event parsers require of session.start (Python's
	// rejects the event without copilotVersion and logs a traceback).
	sdk.mu.Lock()
	data := sdk.events[0]["data"].(map[string]any)
	sdk.mu.Unlock()
	for _, field := range []string{"sessionId", "version", "producer", "startTime", "copilotVersion", "selectedModel"} {
		assert.Contains(t, data, field)
	}
	assert.Equal(t, "gpt-4o", data["selectedModel"])
	s, ok := rt.Session("s-1")
	require.True(t, ok)
	assert.True(t, s.Provider.HasBearerTokenProvider)

	// The wire log has the request before its answer, and the answer before the event.
	var order []string
	for _, f := range rt.Log().Frames() {
		m, _ := f.Decode()
		order = append(order, fmt.Sprintf("%s %s %v", f.Dir, m.Method, m.IsResponse()))
	}
	assert.Equal(t, []string{"sdk->runtime session.create false", "runtime->sdk  true", "runtime->sdk session.event false"}, order)
}

func TestCreateWithoutSessionIDGetsOne(t *testing.T) {
	rt, _ := start(t)
	sdk := connectSDK(t, rt, rotating("t"))
	var res struct{ SessionID string }
	require.NoError(t, json.Unmarshal(sdk.call(t, "session.create", map[string]any{"model": "m"}), &res))
	assert.Len(t, res.SessionID, 36)
}

func TestTurnAsksForATokenBeforeEachModelRequest(t *testing.T) {
	rt, model := start(t, WithModelRequestsPerTurn(3))
	sdk := connectSDK(t, rt, rotating("tok"))
	sdk.call(t, "session.create", map[string]any{"sessionId": "s-1", "model": "gpt-4o",
		"provider": map[string]any{"baseUrl": model.URL() + "/v1", "hasBearerTokenProvider": true, "apiKey": "static"}})
	assert.Contains(t, string(sdk.call(t, "session.send", map[string]any{"sessionId": "s-1", "prompt": "hi"})), "messageId")
	sdk.waitIdle(t)

	var auths []string
	for _, r := range model.Requests() {
		assert.Equal(t, "/v1/chat/completions", r.Path)
		assert.Equal(t, "gpt-4o", r.Model)
		auths = append(auths, r.Authorization)
	}
	assert.Equal(t, []string{"Bearer tok-1", "Bearer tok-2", "Bearer tok-3"}, auths, "the callback's token wins over apiKey")
	reqs := rt.Log().Requests(wirelog.RuntimeToSDK, "providerToken.getToken")
	require.Len(t, reqs, 3)
	assert.JSONEq(t, `{"sessionId":"s-1","providerName":"default"}`, string(reqs[0].Params))
	assert.Equal(t, []string{"session.start", "user.message", "assistant.turn_start", "assistant.message",
		"assistant.message", "assistant.message", "assistant.turn_end", "session.idle"}, sdk.eventTypes())
	assert.Empty(t, rt.Problems())
}

func TestNamedProvidersAreRoutedByModel(t *testing.T) {
	rt, model := start(t)
	var asked []string
	var mu sync.Mutex
	sdk := connectSDK(t, rt, func(r TokenRequest) (any, error) {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, r.ProviderName)
		return map[string]string{"token": r.ProviderName + "-tok"}, nil
	})
	providers := []map[string]any{
		{"name": "red", "baseUrl": model.URL() + "/red/v1", "hasBearerTokenProvider": true},
		{"name": "blue", "baseUrl": model.URL() + "/blue/v1", "apiKey": "static-key"},
	}
	models := []map[string]any{{"id": "default", "provider": "red", "wireModel": "gpt-red"}, {"id": "default", "provider": "blue", "wireModel": "gpt-blue"}}
	for _, tc := range []struct{ id, model string }{{"s-red", "red/default"}, {"s-blue", "blue/default"}} {
		sdk.call(t, "session.create", map[string]any{"sessionId": tc.id, "model": tc.model, "providers": providers, "models": models})
		sdk.call(t, "session.send", map[string]any{"sessionId": tc.id, "prompt": "hi"})
		sdk.waitIdle(t)
	}
	reqs := model.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "/red/v1/chat/completions", reqs[0].Path)
	assert.Equal(t, "Bearer red-tok", reqs[0].Authorization)
	assert.Equal(t, "gpt-red", reqs[0].Model)
	assert.Equal(t, "/blue/v1/chat/completions", reqs[1].Path)
	assert.Equal(t, "Bearer static-key", reqs[1].Authorization)
	assert.Equal(t, []string{"red"}, asked, "a provider without the flag is never asked for a token")
}

// Like the real runtime, the fake one retries a model call whose token
// request failed, 5 times with a fresh token request each, then ends the
// turn with session.error carrying the SDK's message.
func TestTokenErrorEndsTheTurnWithSessionError(t *testing.T) {
	rt, model := start(t, WithModelRetries(5, time.Millisecond))
	sdk := connectSDK(t, rt, func(TokenRequest) (any, error) { return nil, fmt.Errorf("vault sealed") })
	sdk.call(t, "session.create", map[string]any{"sessionId": "s", "model": "m",
		"provider": map[string]any{"baseUrl": model.URL() + "/v1", "hasBearerTokenProvider": true}})
	sdk.call(t, "session.send", map[string]any{"sessionId": "s", "prompt": "hi"})
	sdk.waitIdle(t)
	assert.Empty(t, model.Requests(), "no model request without a token")
	assert.Equal(t, int32(6), sdk.calls.Load(), "the first try and 5 retries")
	types := sdk.eventTypes()
	assert.Equal(t, []string{"session.error", "session.idle"}, types[len(types)-2:])
	sdk.mu.Lock()
	data := sdk.events[len(sdk.events)-2]["data"].(map[string]any)
	sdk.mu.Unlock()
	assert.Contains(t, data["message"], "vault sealed")
	assert.Contains(t, data["message"], "retried 5 times")
}

func TestATokenErrorIsRetriedWithAFreshToken(t *testing.T) {
	rt, model := start(t, WithModelRetries(5, time.Millisecond))
	var n atomic.Int32
	sdk := connectSDK(t, rt, func(TokenRequest) (any, error) {
		if i := n.Add(1); i <= 2 {
			return nil, fmt.Errorf("vault sealed %d", i)
		}
		return map[string]string{"token": "tok-3"}, nil
	})
	sdk.call(t, "session.create", map[string]any{"sessionId": "s", "model": "m",
		"provider": map[string]any{"baseUrl": model.URL() + "/v1", "hasBearerTokenProvider": true}})
	sdk.call(t, "session.send", map[string]any{"sessionId": "s", "prompt": "hi"})
	sdk.waitIdle(t)
	require.Len(t, model.Requests(), 1)
	assert.Equal(t, "Bearer tok-3", model.Requests()[0].Authorization)
	assert.NotContains(t, sdk.eventTypes(), "session.error")
}

// A turn whose model answers call a client tool: the runtime has the SDK
// approve and run it (permission.requested, external_tool.requested, each
// answered by the SDK's request naming its requestId) and asks the model
// again with the result, a fresh token before each model request; over
// chat completions and over the Responses API.
func TestToolCallsAreRunByTheSDKAndTheirResultsSentToTheModel(t *testing.T) {
	for _, wireAPI := range []string{"", "responses"} {
		t.Run("wireApi="+wireAPI, func(t *testing.T) {
			rt, err := Start()
			require.NoError(t, err)
			t.Cleanup(func() { _ = rt.Close() })
			model := modelendpoint.Start(modelendpoint.WithToolRounds("lookup_fact", 2))
			t.Cleanup(model.Close)
			sdk := connectSDK(t, rt, rotating("tok"))
			var calls atomic.Int32
			sdk.toolResult = func(name string, args any) any {
				n := calls.Add(1)
				if n == 2 { // as the Python SDK answers: a result object
					return map[string]any{"textResultForLlm": fmt.Sprintf("fact %d", n), "resultType": "success"}
				}
				return fmt.Sprintf("fact %d", n)
			}
			sdk.call(t, "session.create", map[string]any{"sessionId": "s", "model": "gpt-4o",
				"tools":    []any{map[string]any{"name": "lookup_fact", "description": "d", "parameters": map[string]any{"type": "object"}}},
				"provider": map[string]any{"baseUrl": model.URL() + "/v1", "wireApi": wireAPI, "hasBearerTokenProvider": true}})
			sdk.call(t, "session.send", map[string]any{"sessionId": "s", "prompt": "hi"})
			sdk.waitIdle(t)

			reqs := model.Requests()
			require.Len(t, reqs, 3, model.String())
			for i, r := range reqs {
				assert.Equal(t, fmt.Sprintf("Bearer tok-%d", i+1), r.Authorization)
				assert.Equal(t, []string{"lookup_fact"}, r.Tools)
				if wireAPI == "responses" {
					assert.Equal(t, "/v1/responses", r.Path)
				}
			}
			assert.Empty(t, reqs[0].ToolResults)
			assert.Equal(t, []string{"fact 1"}, reqs[1].ToolResults)
			assert.Equal(t, []string{"fact 1", "fact 2"}, reqs[2].ToolResults)
			assert.Equal(t, int32(2), calls.Load())
			types := sdk.eventTypes()
			assert.NotContains(t, types, "session.error")
			for _, want := range []string{"tool.execution_start", "permission.requested", "permission.completed",
				"external_tool.requested", "external_tool.completed", "tool.execution_complete"} {
				assert.Contains(t, types, want)
			}
			assert.Empty(t, rt.Problems())
		})
	}
}

func TestAnAnswerForNoPendingRequestIsAnError(t *testing.T) {
	rt, _ := start(t)
	sdk := connectSDK(t, rt, rotating("t"))
	err := sdk.conn.Call(context.Background(), "session.tools.handlePendingToolCall",
		map[string]any{"sessionId": "s", "requestId": "nope", "result": "x"}, nil)
	var rpcErr *jsonrpc2.Error
	require.ErrorAs(t, err, &rpcErr)
	assert.Contains(t, rpcErr.Message, "nope")
	require.Len(t, rt.Problems(), 1)
}

func TestSendToUnknownSessionIsAnError(t *testing.T) {
	rt, _ := start(t)
	sdk := connectSDK(t, rt, rotating("t"))
	err := sdk.conn.Call(context.Background(), "session.send", map[string]any{"sessionId": "nope", "prompt": "x"}, nil)
	var rpcErr *jsonrpc2.Error
	require.ErrorAs(t, err, &rpcErr)
	assert.Contains(t, rpcErr.Message, `unknown session "nope"`)
}

func TestResumeReplacesProvidersAndDetachIsAnswered(t *testing.T) {
	rt, _ := start(t)
	sdk := connectSDK(t, rt, rotating("t"))
	sdk.call(t, "session.create", map[string]any{"sessionId": "s", "model": "m", "provider": map[string]any{"baseUrl": "x"}})
	sdk.call(t, "session.resume", map[string]any{"sessionId": "s", "model": "m", "provider": map[string]any{"baseUrl": "y", "hasBearerTokenProvider": true}})
	s, _ := rt.Session("s")
	assert.Equal(t, "y", s.Provider.BaseURL)
	assert.True(t, s.Provider.HasBearerTokenProvider)
	assert.JSONEq(t, `{"success":true}`, string(sdk.call(t, "session.detach", map[string]any{"sessionId": "s"})))
	err := sdk.conn.Call(context.Background(), "session.resume", map[string]any{"model": "m"}, nil)
	assert.ErrorContains(t, err, "missing sessionId")
}

func TestAskTokensAsksOneAfterTheOther(t *testing.T) {
	rt, _ := start(t)
	var inFlight, maxInFlight, n atomic.Int32
	sdk := connectSDK(t, rt, func(r TokenRequest) (any, error) {
		now := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := maxInFlight.Load()
			if now <= m || maxInFlight.CompareAndSwap(m, now) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond) // time for a second request to overlap, were one sent
		return map[string]string{"token": fmt.Sprintf("tok-%d", n.Add(1))}, nil
	})
	sdk.call(t, "session.create", map[string]any{"sessionId": "s", "model": "m"})
	answers, err := rt.AskTokens(context.Background(), TokenRequest{SessionID: "s", ProviderName: "p"}, 3)
	require.NoError(t, err)
	require.Len(t, answers, 3)
	for i, a := range answers {
		assert.True(t, a.IsToken)
		assert.Equal(t, fmt.Sprintf("tok-%d", i+1), a.Token, "answers in request order")
	}
	assert.Equal(t, int32(1), maxInFlight.Load(), "one request at a time")
	assert.Equal(t, int32(3), sdk.calls.Load())
}

func TestAskTokenReportsErrorsAndNonStringTokens(t *testing.T) {
	rt, _ := start(t)
	answers := []any{map[string]any{"token": 42}, nil}
	var i atomic.Int32
	sdk := connectSDK(t, rt, func(TokenRequest) (any, error) {
		n := i.Add(1)
		if n == 3 {
			return nil, fmt.Errorf(`no callback for provider "ghost"`)
		}
		return answers[n-1], nil
	})
	sdk.call(t, "session.create", map[string]any{"sessionId": "s", "model": "m"})
	for _, want := range []string{`result {"token":42}`, `result null`, `error -32603 "no callback for provider \"ghost\""`} {
		a, err := rt.AskToken(context.Background(), TokenRequest{SessionID: "s", ProviderName: "ghost"})
		require.NoError(t, err)
		assert.False(t, a.IsToken)
		assert.Equal(t, want, a.String())
	}
}

func TestAskTokenTimesOutWithAMessageNamingTheRequest(t *testing.T) {
	rt, _ := start(t, WithTokenTimeout(100*time.Millisecond))
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	sdk := connectSDK(t, rt, func(TokenRequest) (any, error) { <-block; return nil, nil })
	sdk.call(t, "session.create", map[string]any{"sessionId": "s", "model": "m"})
	_, err := rt.AskToken(context.Background(), TokenRequest{SessionID: "s", ProviderName: "red"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "did not answer providerToken.getToken")
	assert.Contains(t, err.Error(), "red")
	assert.Contains(t, err.Error(), "100ms")
}

func TestAskTokenRawSendsTheParamsAsGiven(t *testing.T) {
	rt, _ := start(t)
	sdk := connectSDK(t, rt, rotating("tok"))
	sdk.call(t, "session.create", map[string]any{"sessionId": "s", "model": "m"})
	tests := []struct {
		name, params string
		wantName     string // what of the params reads as a TokenRequest
	}{
		{"providerName a number", `{"sessionId":"s","providerName":7}`, ""},
		{"providerName missing", `{"sessionId":"s"}`, ""},
		{"extra fields", `{"sessionId":"s","providerName":"default","extra":{"x":[1,null]}}`, "default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := rt.AskTokenRaw(context.Background(), "s", json.RawMessage(tt.params))
			require.NoError(t, err)
			assert.True(t, a.IsToken, "answered %s", a)
			assert.Equal(t, tt.wantName, a.Request.ProviderName)
			reqs := rt.Log().Requests(wirelog.RuntimeToSDK, "providerToken.getToken")
			require.NotEmpty(t, reqs)
			assert.JSONEq(t, tt.params, string(reqs[len(reqs)-1].Params), "the params on the wire are the ones given")
		})
	}
}

func TestAskTokenRawRefusesParamsThatAreNotJSON(t *testing.T) {
	rt, _ := start(t)
	_, err := rt.AskTokenRaw(context.Background(), "s", json.RawMessage(`{"providerName":`))
	assert.ErrorContains(t, err, "not JSON")
}

func TestStartAskTokenRawNamesTheParamsWhenNoAnswerComes(t *testing.T) {
	rt, _ := start(t, WithTokenTimeout(100*time.Millisecond))
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	sdk := connectSDK(t, rt, func(TokenRequest) (any, error) { <-block; return nil, nil })
	sdk.call(t, "session.create", map[string]any{"sessionId": "s", "model": "m"})
	p := rt.StartAskTokenRaw(context.Background(), "s", json.RawMessage(`{"sessionId":"s","providerName":null}`))
	_, err := p.Wait()
	require.Error(t, err)
	assert.Contains(t, err.Error(), `{"sessionId":"s","providerName":null}`)
	assert.Contains(t, err.Error(), "100ms")
}

func TestAskTokenWithNoSDK(t *testing.T) {
	rt, _ := start(t)
	_, err := rt.AskToken(context.Background(), TokenRequest{SessionID: "s"})
	assert.ErrorContains(t, err, "no SDK is connected")
}

func TestMalformedFramesAreLoggedAsProblems(t *testing.T) {
	for _, tc := range []struct{ name, raw, want string }{
		{"invalid JSON", "Content-Length: 5\r\n\r\n{nope", "not valid JSON"},
		{"no Content-Length", "Content-Type: x\r\n\r\n", "no Content-Length"},
		{"oversized", "Content-Length: 2048\r\n\r\n", "exceeds the size limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt, _ := start(t, WithMaxFrameSize(1024))
			nc, err := net.Dial("tcp", rt.Addr())
			require.NoError(t, err)
			defer nc.Close()
			_, _ = nc.Write([]byte(tc.raw))
			require.Eventually(t, func() bool { return len(rt.Problems()) > 0 }, 2*time.Second, 5*time.Millisecond)
			assert.Contains(t, rt.Problems()[0], tc.want)
			require.Len(t, rt.Log().Errors(), 1)
			// The runtime closes a connection it cannot read.
			_ = nc.SetReadDeadline(time.Now().Add(2 * time.Second))
			_, err = nc.Read(make([]byte, 1))
			assert.Error(t, err)
			assert.False(t, strings.Contains(fmt.Sprint(err), "timeout"), "connection was closed, not left hanging: %v", err)
		})
	}
}

func TestStartAskTokenLetsOtherRequestsPassAPendingOne(t *testing.T) {
	rt, _ := start(t)
	release := make(chan struct{})
	sdk := connectSDK(t, rt, func(r TokenRequest) (any, error) {
		if r.ProviderName == "slow" {
			<-release
		}
		return map[string]string{"token": r.ProviderName}, nil
	})
	sdk.call(t, "session.create", map[string]any{"sessionId": "s", "model": "m"})
	slow := rt.StartAskToken(context.Background(), TokenRequest{SessionID: "s", ProviderName: "slow"})
	fast, err := rt.AskToken(context.Background(), TokenRequest{SessionID: "s", ProviderName: "fast"})
	require.NoError(t, err)
	assert.Equal(t, "fast", fast.Token)
	select {
	case <-slow.done:
		t.Fatal("the slow request was answered before its callback was released")
	default:
	}
	close(release)
	a, err := slow.Wait()
	require.NoError(t, err)
	assert.Equal(t, "slow", a.Token)
	assert.Equal(t, "slow", a.Request.ProviderName)
}

func TestProviderAddExtendsTheSessionsProviders(t *testing.T) {
	rt, _ := start(t)
	sdk := connectSDK(t, rt, rotating("t"))
	sdk.call(t, "session.create", map[string]any{"sessionId": "s", "model": "red/m",
		"providers": []map[string]any{{"name": "red", "baseUrl": "http://red"}}})
	assert.JSONEq(t, `{"models":[]}`, string(sdk.call(t, "session.provider.add", map[string]any{"sessionId": "s",
		"providers": []map[string]any{{"name": "late", "baseUrl": "http://late", "hasBearerTokenProvider": true}}})))
	s, ok := rt.Session("s")
	require.True(t, ok)
	require.Len(t, s.Providers, 2)
	assert.Equal(t, "late", s.Providers[1].Name)
	assert.True(t, s.Providers[1].HasBearerTokenProvider)
	assert.Empty(t, rt.Problems())
}
