package fakeruntime

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/sourcegraph/jsonrpc2"
)

// handler answers the SDK's requests. It runs on the connection's read loop,
// so requests are answered in the order they arrive (as the trace shows the
// real runtime doing); work that must call back into the SDK (a turn) runs
// in its own goroutine so it cannot block that loop.
type handler struct{ r *Runtime }

func (h handler) Handle(ctx context.Context, conn *jsonrpc2.Conn, req *jsonrpc2.Request) {
	if req.Notif {
		return // the SDK sends no notifications the runtime must act on
	}
	result, rpcErr, after := h.answer(conn, req)
	if rpcErr != nil {
		_ = conn.ReplyWithError(ctx, req.ID, rpcErr)
		return
	}
	_ = conn.Reply(ctx, req.ID, result)
	if after != nil {
		after()
	}
}

// answer returns the result or the error for req, and optionally what to do
// once the answer is on the wire.
func (h handler) answer(conn *jsonrpc2.Conn, req *jsonrpc2.Request) (any, *jsonrpc2.Error, func()) {
	r := h.r
	switch req.Method {
	case "connect":
		return map[string]any{"ok": true, "protocolVersion": ProtocolVersion, "version": Version,
			"taskKinds": []string{"agent", "shell", "client"}}, nil, nil
	case "ping":
		return map[string]any{"message": "pong", "timestamp": time.Now().UnixMilli(), "protocolVersion": ProtocolVersion}, nil, nil
	case "status.get":
		return map[string]any{"version": Version, "protocolVersion": ProtocolVersion}, nil, nil
	case "session.create", "session.resume":
		return h.createOrResume(conn, req)
	case "session.send":
		return h.send(req)
	case "session.detach", "session.destroy":
		// The session stays known: a later token request for it must reach
		// the SDK, whose answer BT-8 judges.
		return map[string]any{"success": true}, nil, nil
	case "runtime.shutdown":
		return map[string]any{}, nil, nil
	case "session.provider.add":
		return h.addProviders(req)
	case "session.permissions.handlePendingPermissionRequest", "session.tools.handlePendingToolCall":
		return h.answerPending(req)
	}
	r.problem("the SDK called %q, which the fake runtime does not implement (answered method not found)", req.Method)
	return nil, rpcError(jsonrpc2.CodeMethodNotFound, "method not found: %s", req.Method), nil
}

func (h handler) createOrResume(conn *jsonrpc2.Conn, req *jsonrpc2.Request) (any, *jsonrpc2.Error, func()) {
	var p sessionParams
	if err := decodeParams(req, &p); err != nil {
		return nil, err, nil
	}
	id := p.SessionID
	if id == "" {
		if req.Method == "session.resume" {
			return nil, rpcError(jsonrpc2.CodeInvalidParams, "session.resume: missing sessionId"), nil
		}
		id = uuid.NewString() // older SDKs let the runtime pick the id
	}
	h.r.mu.Lock()
	// A resume that names no model keeps the session's (SDKs whose resume
	// config has no model, e.g. Rust 1.0.4, send none).
	if old, ok := h.r.sessions[id]; ok && req.Method == "session.resume" && p.Model == "" {
		p.Model = old.Model
	}
	s := p.session(id, conn)
	h.r.sessions[id] = s
	h.r.mu.Unlock()
	start := time.Now().UTC().Format(time.RFC3339Nano)
	result := map[string]any{
		"sessionId": id, "nativeSessionId": id, "startTime": start, "isRemote": false,
		"mode": "interactive", "workspacePath": "/fake-runtime/workspace",
		"capabilities": map[string]any{"ui": map[string]any{"elicitation": false}, "extensions": false},
		"modelState":   map[string]any{"modelId": p.Model},
	}
	after := func() {
		if req.Method == "session.create" {
			notifyEvent(h.r.ctx, conn, id, "session.start", map[string]any{
				// The fields the real runtime sends that SDKs' event parsers
				// require (Python's rejects a session.start without
				// copilotVersion), as in docs/real-runtime-trace.node-1.0.14.json.
				"sessionId": id, "version": 1, "producer": "fake-runtime", "startTime": start,
				"copilotVersion": "0.0.0", "selectedModel": p.Model, "remoteSteerable": false, "alreadyInUse": false,
			})
		}
	}
	return result, nil, after
}

func (h handler) send(req *jsonrpc2.Request) (any, *jsonrpc2.Error, func()) {
	var p struct {
		SessionID string `json:"sessionId"`
		Prompt    string `json:"prompt"`
	}
	if err := decodeParams(req, &p); err != nil {
		return nil, err, nil
	}
	h.r.mu.Lock()
	s, ok := h.r.sessions[p.SessionID]
	var sess Session
	if ok {
		sess = *s
	}
	h.r.mu.Unlock()
	if !ok {
		return nil, rpcError(jsonrpc2.CodeInvalidParams, "session.send: unknown session %q", p.SessionID), nil
	}
	messageID := uuid.NewString()
	return map[string]any{"messageId": messageID}, nil, func() {
		h.r.goTracked(func() { h.r.runTurn(sess, messageID, p.Prompt) })
	}
}

// addProviders adds named providers (and models) to a session's registry,
// as the real runtime's session.provider.add does.
func (h handler) addProviders(req *jsonrpc2.Request) (any, *jsonrpc2.Error, func()) {
	var p struct {
		SessionID string      `json:"sessionId"`
		Providers []Provider  `json:"providers"`
		Models    []ModelSpec `json:"models"`
	}
	if err := decodeParams(req, &p); err != nil {
		return nil, err, nil
	}
	h.r.mu.Lock()
	defer h.r.mu.Unlock()
	s, ok := h.r.sessions[p.SessionID]
	if !ok {
		return nil, rpcError(jsonrpc2.CodeInvalidParams, "session.provider.add: unknown session %q", p.SessionID), nil
	}
	s.Providers = append(s.Providers, p.Providers...)
	s.Models = append(s.Models, p.Models...)
	return map[string]any{"models": []any{}}, nil, nil
}
