package fakeruntime

import (
	"context"
	"encoding/json"
	"errors"
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
		notifyEvent(ctx, s.conn, s.ID, "session.error", map[string]any{"errorType": "query", "message": err.Error()})
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
			return "", fmt.Errorf("%w: %v", errNoTokenAnswer, err)
		}
		if answer.Error != nil {
			// The real runtime's words, with the SDK's error message.
			return "", fmt.Errorf("Provider token request failed: %s", answer.Error.Message)
		}
		if !answer.IsToken {
			// The real runtime does not retry an answer it cannot read.
			return "", fmt.Errorf("%w: Provider token response was invalid: %s for provider %q has no string token", errUnusableToken, answer.Result, rt.providerName)
		}
		return "Bearer " + answer.Token, nil
	case p.BearerToken != "":
		return "Bearer " + p.BearerToken, nil
	case p.APIKey != "":
		return "Bearer " + p.APIKey, nil
	}
	return "", nil
}

// errNoTokenAnswer marks a token request the SDK did not answer at all:
// the real runtime waits for it without end, so there is nothing to retry.
var errNoTokenAnswer = errors.New("no answer to the token request")

// modelRequest makes one model call for the session's model with the
// conversation so far, over the provider's wire API, and returns the
// model's answer. A call that fails (its token request answered with an
// error, or the HTTP call) is retried, each time with a fresh token
// request, as the real runtime 1.0.85 does: 5 retries about 1 s apart,
// then the turn fails with its message (docs/tool-call-turns.md). The
// fake runtime waits modelRetryDelay between tries. A token request with
// no answer, or answered with a result that holds no string token, is not
// retried: the turn fails at once, as on the real runtime.
func (r *Runtime) modelRequest(ctx context.Context, s Session, conv conversation) (modelAnswer, error) {
	var last error
	for try := 0; try <= r.cfg.modelRetries; try++ {
		if try > 0 {
			select {
			case <-time.After(r.cfg.modelRetryDelay):
			case <-ctx.Done():
				return modelAnswer{}, errClosed
			}
		}
		answer, err := r.modelCall(ctx, s, conv)
		if err == nil || errors.Is(err, errNoTokenAnswer) || errors.Is(err, errUnusableToken) || errors.Is(err, errNoRoute) {
			return answer, err
		}
		last = err
	}
	return modelAnswer{}, fmt.Errorf("Failed to get response from the AI model; retried %d times (total retry wait time: %.2f seconds) Last error: %w",
		r.cfg.modelRetries, (time.Duration(r.cfg.modelRetries) * r.cfg.modelRetryDelay).Seconds(), last)
}

// errUnusableToken marks a token answer that is a result without a string
// token: the real runtime 1.0.85 ends the turn at once ("Provider token
// response was invalid: invalid type: integer `42`, expected a string").
var errUnusableToken = errors.New("unusable token answer")

// errNoRoute marks a session whose model no provider serves.
var errNoRoute = errors.New("no provider for the model")

// modelCall is one try of a model request: a token request if the
// provider is flagged, then the HTTP call.
func (r *Runtime) modelCall(ctx context.Context, s Session, conv conversation) (modelAnswer, error) {
	rt, err := s.routeForModel()
	if err != nil {
		r.problem("turn: %v", err)
		return modelAnswer{}, fmt.Errorf("%w: %v", errNoRoute, err)
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
