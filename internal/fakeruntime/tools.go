package fakeruntime

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/sourcegraph/jsonrpc2"
)

// ToolSpec is a client tool as the SDK declared it in session.create.
type ToolSpec struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Parameters  json.RawMessage `json:"parameters"`
}

// toolResult is what a client tool gave for one call.
type toolResult struct {
	callID  string
	content string
}

// runClientTool has the SDK run one client tool the way the real runtime
// 1.0.85 does (docs/tool-call-turns.md): tool.execution_start; a
// permission.requested event (kind "custom-tool") that the SDK answers
// with session.permissions.handlePendingPermissionRequest; then
// external_tool.requested, which the SDK answers with
// session.tools.handlePendingToolCall {requestId, result | error}; then
// external_tool.completed and tool.execution_complete. Each wait is
// bounded by the token timeout. A call of a tool the session did not
// declare, a denied permission or a tool error becomes the call's result
// text, as the model would be told; no answer at all ends the turn.
func (r *Runtime) runClientTool(ctx context.Context, s Session, c modelToolCall, turnID int) (toolResult, error) {
	turn := fmt.Sprint(turnID)
	notifyEvent(ctx, s.conn, s.ID, "tool.execution_start", map[string]any{
		"toolCallId": c.ID, "toolName": c.Name, "arguments": c.args(), "turnId": turn})
	complete := func(success bool, content string) toolResult {
		data := map[string]any{"toolCallId": c.ID, "turnId": turn, "success": success}
		if success {
			data["result"] = map[string]any{"content": content, "detailedContent": content}
		} else {
			data["error"] = map[string]any{"message": content}
		}
		notifyEvent(ctx, s.conn, s.ID, "tool.execution_complete", data)
		return toolResult{callID: c.ID, content: content}
	}
	spec, declared := s.tool(c.Name)
	if !declared {
		return complete(false, fmt.Sprintf("Tool '%s' does not exist.", c.Name)), nil
	}

	permissionID := uuid.NewString()
	request := map[string]any{"kind": "custom-tool", "toolCallId": c.ID, "toolName": c.Name,
		"toolDescription": spec.Description, "args": c.args()}
	answer, err := r.awaitClient(ctx, s, permissionID, "permission.requested", map[string]any{
		"requestId": permissionID, "permissionRequest": request, "promptRequest": request, "agentMode": "interactive"})
	if err != nil {
		return toolResult{}, fmt.Errorf("permission for tool %q: %w", c.Name, err)
	}
	var permission struct {
		Result struct {
			Kind string `json:"kind"`
		} `json:"result"`
	}
	_ = json.Unmarshal(answer, &permission)
	approved := strings.HasPrefix(permission.Result.Kind, "approve")
	kind := "approved"
	if !approved {
		kind = "denied-interactively-by-user"
	}
	notifyEvent(ctx, s.conn, s.ID, "permission.completed", map[string]any{
		"requestId": permissionID, "toolCallId": c.ID, "result": map[string]any{"kind": kind}})
	if !approved {
		return complete(false, fmt.Sprintf("The user denied permission to run %s (%s).", c.Name, permission.Result.Kind)), nil
	}

	toolID := uuid.NewString()
	answer, err = r.awaitClient(ctx, s, toolID, "external_tool.requested", map[string]any{
		"requestId": toolID, "sessionId": s.ID, "toolCallId": c.ID, "toolName": c.Name,
		"arguments": c.args(), "workingDirectory": "/fake-runtime/workspace"})
	if err != nil {
		return toolResult{}, fmt.Errorf("tool %q: %w", c.Name, err)
	}
	notifyEvent(ctx, s.conn, s.ID, "external_tool.completed", map[string]any{"requestId": toolID})
	var result struct {
		Result json.RawMessage `json:"result"`
		Error  *string         `json:"error"`
	}
	_ = json.Unmarshal(answer, &result)
	if result.Error != nil {
		return complete(false, *result.Error), nil
	}
	return complete(true, resultText(result.Result)), nil
}

// resultText is a tool's result as the model gets it: a string as is, an
// object's textResultForLlm (the SDKs' ToolResultObject), else the JSON.
func resultText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var obj struct {
		Text *string `json:"textResultForLlm"`
	}
	if json.Unmarshal(raw, &obj) == nil && obj.Text != nil {
		return *obj.Text
	}
	return string(raw)
}

// awaitClient sends a session.event that asks the SDK for something and
// waits, at most the token timeout, for the SDK's request that answers it
// (one naming requestID: handlePendingPermissionRequest or
// handlePendingToolCall); it returns that request's params.
func (r *Runtime) awaitClient(ctx context.Context, s Session, requestID, event string, data map[string]any) (json.RawMessage, error) {
	ch := make(chan json.RawMessage, 1)
	r.mu.Lock()
	r.pendingClient[requestID] = ch
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.pendingClient, requestID)
		r.mu.Unlock()
	}()
	notifyEvent(ctx, s.conn, s.ID, event, data)
	t := time.NewTimer(r.cfg.tokenTimeout)
	defer t.Stop()
	select {
	case params := <-ch:
		return params, nil
	case <-t.C:
		return nil, fmt.Errorf("the SDK did not answer %s %s within %s", event, requestID, r.cfg.tokenTimeout)
	case <-ctx.Done():
		return nil, errClosed
	}
}

// answerPending takes the SDK's answer to a pending client request
// (session.permissions.handlePendingPermissionRequest,
// session.tools.handlePendingToolCall) to the turn waiting for it.
func (h handler) answerPending(req *jsonrpc2.Request) (any, *jsonrpc2.Error, func()) {
	var p struct {
		RequestID string `json:"requestId"`
	}
	if err := decodeParams(req, &p); err != nil {
		return nil, err, nil
	}
	h.r.mu.Lock()
	ch, ok := h.r.pendingClient[p.RequestID]
	delete(h.r.pendingClient, p.RequestID)
	h.r.mu.Unlock()
	if !ok {
		h.r.problem("the SDK called %s for request %q, which is not pending", req.Method, p.RequestID)
		return nil, rpcError(jsonrpc2.CodeInvalidParams, "%s: no pending request %q", req.Method, p.RequestID), nil
	}
	ch <- *req.Params // buffered: the waiting turn reads it, or has given up
	return map[string]any{"success": true}, nil, nil
}

// tool returns the session's client tool of that name.
func (s *Session) tool(name string) (ToolSpec, bool) {
	for _, t := range s.Tools {
		if t.Name == name {
			return t, true
		}
	}
	return ToolSpec{}, false
}
