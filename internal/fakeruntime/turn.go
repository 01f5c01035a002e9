package fakeruntime

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/google/uuid"
)

// runTurn plays one turn the way the real runtime does for a BYOK session:
// for each model request, a fresh token from the SDK when the provider is
// flagged, then the HTTP call with that token; then the events that end the
// turn. A failure ends the turn with session.error, which SDKs surface as
// the send's error.
func (r *Runtime) runTurn(s Session, messageID, prompt string) {
	ctx := r.ctx
	r.mu.Lock()
	requests := r.cfg.modelRequestsPerTurn
	r.mu.Unlock()
	interactionID := uuid.NewString()
	notifyEvent(ctx, s.conn, s.ID, "user.message", map[string]any{
		"content": prompt, "messageId": messageID, "interactionId": interactionID, "turnId": "0"})
	notifyEvent(ctx, s.conn, s.ID, "assistant.turn_start", map[string]any{"turnId": "0", "interactionId": interactionID})
	for i := 0; i < requests; i++ {
		content, err := r.modelRequest(ctx, s, prompt)
		if err != nil {
			notifyEvent(ctx, s.conn, s.ID, "session.error", map[string]any{"errorType": "model_call", "message": err.Error()})
			notifyEvent(ctx, s.conn, s.ID, "session.idle", map[string]any{})
			return
		}
		notifyEvent(ctx, s.conn, s.ID, "assistant.message", map[string]any{
			"messageId": uuid.NewString(), "originatingMessageId": messageID, "content": content,
			"toolRequests": []any{}, "interactionId": interactionID, "turnId": "0"})
	}
	notifyEvent(ctx, s.conn, s.ID, "assistant.turn_end", map[string]any{"turnId": "0"})
	notifyEvent(ctx, s.conn, s.ID, "session.idle", map[string]any{})
}

// modelRequest makes one chat-completions call for the session's model and
// returns the assistant content.
func (r *Runtime) modelRequest(ctx context.Context, s Session, prompt string) (string, error) {
	rt, err := s.routeForModel()
	if err != nil {
		r.problem("turn: %v", err)
		return "", err
	}
	var auth string
	switch p := rt.provider; {
	case p.HasBearerTokenProvider: // the callback wins over static credentials (BT-14)
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
		auth = "Bearer " + answer.Token
	case p.BearerToken != "":
		auth = "Bearer " + p.BearerToken
	case p.APIKey != "":
		auth = "Bearer " + p.APIKey
	}
	body, _ := json.Marshal(map[string]any{
		"model":    rt.wireModel,
		"messages": []any{map[string]any{"role": "user", "content": prompt}},
	})
	url := strings.TrimSuffix(rt.provider.BaseURL, "/") + "/chat/completions"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("model request to %q: %w", url, err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range rt.provider.Headers {
		req.Header.Set(k, v)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := r.cfg.httpClient.Do(req)
	if err != nil {
		r.problem("turn: model request failed: %v", err)
		return "", fmt.Errorf("model request to %s: %w", url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("model request to %s: HTTP %d: %s", url, resp.StatusCode, raw)
	}
	var completion struct {
		Choices []struct {
			Message struct {
				Content string `json:"content"`
			} `json:"message"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(raw, &completion); err != nil || len(completion.Choices) == 0 {
		return "", fmt.Errorf("model request to %s: unusable completion %q", url, raw)
	}
	return completion.Choices[0].Message.Content, nil
}
