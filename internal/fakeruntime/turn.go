package fakeruntime

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// runTurn plays one turn the way the real runtime does for a BYOK session:
// for each model request, a fresh token from the SDK when the provider is
// flagged, then the HTTP call with that token. When the model answers with
// tool calls, it has the SDK run each client tool (tools.go) and asks the
// model again with the results, in the same turn, as the real runtime
// does (docs/tool-call-turns.md); a model answer without tool calls ends
// one of the turn's modelRequestsPerTurn replies. Then the events that end
// the turn. A failure ends the turn with session.error, which SDKs surface
// as the send's error.
func (r *Runtime) runTurn(s Session, messageID, prompt string) {
	ctx := r.ctx
	r.mu.Lock()
	replies := r.cfg.modelRequestsPerTurn
	r.mu.Unlock()
	interactionID := uuid.NewString()
	notifyEvent(ctx, s.conn, s.ID, "user.message", map[string]any{
		"content": prompt, "messageId": messageID, "interactionId": interactionID, "turnId": "0"})
	turnID := 0
	notifyEvent(ctx, s.conn, s.ID, "assistant.turn_start", map[string]any{"turnId": "0", "interactionId": interactionID})
	fail := func(err error) {
		notifyEvent(ctx, s.conn, s.ID, "session.error", map[string]any{"errorType": "model_call", "message": err.Error()})
		notifyEvent(ctx, s.conn, s.ID, "session.idle", map[string]any{})
	}
	for i := 0; i < replies; i++ {
		conv := conversation{prompt: prompt}
		for {
			answer, err := r.modelRequest(ctx, s, conv)
			if err != nil {
				fail(err)
				return
			}
			requests := make([]any, 0, len(answer.calls))
			for _, c := range answer.calls {
				requests = append(requests, map[string]any{"toolCallId": c.ID, "name": c.Name, "arguments": c.args(), "type": "function"})
			}
			notifyEvent(ctx, s.conn, s.ID, "assistant.message", map[string]any{
				"messageId": uuid.NewString(), "originatingMessageId": messageID, "content": answer.content,
				"toolRequests": requests, "interactionId": interactionID, "turnId": fmt.Sprint(turnID)})
			if len(answer.calls) == 0 {
				break
			}
			conv.rounds = append(conv.rounds, round{calls: answer.calls})
			for _, c := range answer.calls {
				result, err := r.runClientTool(ctx, s, c, turnID)
				if err != nil {
					fail(err)
					return
				}
				conv.rounds[len(conv.rounds)-1].results = append(conv.rounds[len(conv.rounds)-1].results, result)
			}
			// The real runtime ends the assistant turn after the tools ran
			// and starts the next for the model's next answer.
			notifyEvent(ctx, s.conn, s.ID, "assistant.turn_end", map[string]any{"turnId": fmt.Sprint(turnID)})
			turnID++
			notifyEvent(ctx, s.conn, s.ID, "assistant.turn_start", map[string]any{"turnId": fmt.Sprint(turnID), "interactionId": interactionID})
		}
	}
	notifyEvent(ctx, s.conn, s.ID, "assistant.turn_end", map[string]any{"turnId": fmt.Sprint(turnID)})
	notifyEvent(ctx, s.conn, s.ID, "session.idle", map[string]any{})
}

// modelAuthorization is the Authorization header of one model request: a
// fresh token from the SDK when the provider is flagged (the callback wins
// over static credentials, BT-14), else its static credential.
func (r *Runtime) modelAuthorization(ctx context.Context, s Session, rt route) (string, error) {
	switch p := rt.provider; {
	case p.HasBearerTokenProvider:
		answer, err := r.AskToken(ctx, TokenRequest{SessionID: s.ID, ProviderName: rt.providerName})
		if err != nil {
			return "", err
		}
		if answer.Error != nil {
			return "", fmt.Errorf("bearer token for provider %q: %s", rt.providerName, answer.Error.Message)
		}
		if !answer.IsToken {
			return "", fmt.Errorf("bearer token for provider %q: answer %s has no string token", rt.providerName, answer.Result)
		}
		return "Bearer " + answer.Token, nil
	case p.BearerToken != "":
		return "Bearer " + p.BearerToken, nil
	case p.APIKey != "":
		return "Bearer " + p.APIKey, nil
	}
	return "", nil
}

// modelRequest makes one model call for the session's model with the
// conversation so far, over the provider's wire API, and returns the
// model's answer.
func (r *Runtime) modelRequest(ctx context.Context, s Session, conv conversation) (modelAnswer, error) {
	rt, err := s.routeForModel()
	if err != nil {
		r.problem("turn: %v", err)
		return modelAnswer{}, err
	}
	auth, err := r.modelAuthorization(ctx, s, rt)
	if err != nil {
		return modelAnswer{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.httpClient.Timeout+time.Second)
	defer cancel()
	answer, err := callModel(ctx, r.cfg.httpClient, rt, auth, s.Tools, conv)
	if err != nil {
		r.problem("turn: %v", err)
	}
	return answer, err
}

// conversation is what a turn has said to the model so far: the prompt,
// then per round of tool calls the calls and their results.
type conversation struct {
	prompt string
	rounds []round
}

type round struct {
	calls   []modelToolCall
	results []toolResult
}

// modelToolCall is one tool call of a model answer.
type modelToolCall struct {
	ID        string
	Name      string
	Arguments string // JSON text, as the model sent it
}

// args is the call's arguments as a JSON value, as the real runtime puts
// them in its events (null when they are not JSON).
func (c modelToolCall) args() any {
	var v any
	if json.Unmarshal([]byte(c.Arguments), &v) != nil {
		return nil
	}
	return v
}

// modelAnswer is the model's answer: content, and tool calls (none for a
// reply).
type modelAnswer struct {
	content string
	calls   []modelToolCall
}
