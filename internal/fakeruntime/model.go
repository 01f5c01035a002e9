package fakeruntime

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// callModel makes one model request over the provider's wire API: the
// Responses API when its wireApi is "responses", chat completions
// otherwise (the real runtime's default). Not streamed: the fake runtime
// reads whole answers.
func callModel(ctx context.Context, client *http.Client, rt route, auth string, tools []ToolSpec, conv conversation) (modelAnswer, error) {
	responses := rt.provider.WireAPI == "responses"
	path, body := "/chat/completions", chatBody(rt.wireModel, tools, conv)
	if responses {
		path, body = "/responses", responsesBody(rt.wireModel, tools, conv)
	}
	url := strings.TrimSuffix(rt.provider.BaseURL, "/") + path
	raw, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(raw))
	if err != nil {
		return modelAnswer{}, fmt.Errorf("model request to %q: %w", url, err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range rt.provider.Headers {
		req.Header.Set(k, v)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := client.Do(req)
	if err != nil {
		return modelAnswer{}, fmt.Errorf("model request to %s: %w", url, err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return modelAnswer{}, fmt.Errorf("model request to %s: HTTP %d: %s", url, resp.StatusCode, got)
	}
	if responses {
		return readResponses(url, got)
	}
	return readChat(url, got)
}

func functionTools(tools []ToolSpec, responses bool) []any {
	var out []any
	for _, t := range tools {
		if responses {
			out = append(out, map[string]any{"type": "function", "name": t.Name, "description": t.Description, "parameters": t.Parameters})
		} else {
			out = append(out, map[string]any{"type": "function", "function": map[string]any{
				"name": t.Name, "description": t.Description, "parameters": t.Parameters}})
		}
	}
	return out
}

// chatBody is a chat-completions request: the prompt, then each round's
// assistant message with its tool calls and a "tool" message per result.
func chatBody(model string, tools []ToolSpec, conv conversation) map[string]any {
	msgs := []any{map[string]any{"role": "user", "content": conv.prompt}}
	for _, rd := range conv.rounds {
		var calls []any
		for _, c := range rd.calls {
			calls = append(calls, map[string]any{"id": c.ID, "type": "function",
				"function": map[string]any{"name": c.Name, "arguments": c.Arguments}})
		}
		msgs = append(msgs, map[string]any{"role": "assistant", "content": nil, "tool_calls": calls})
		for _, res := range rd.results {
			msgs = append(msgs, map[string]any{"role": "tool", "tool_call_id": res.callID, "content": res.content})
		}
	}
	body := map[string]any{"model": model, "messages": msgs}
	if len(tools) > 0 {
		body["tools"] = functionTools(tools, false)
	}
	return body
}

// responsesBody is a Responses API request: the prompt, then each round's
// function_call items and a function_call_output item per result.
func responsesBody(model string, tools []ToolSpec, conv conversation) map[string]any {
	input := []any{map[string]any{"role": "user", "content": conv.prompt}}
	for _, rd := range conv.rounds {
		for _, c := range rd.calls {
			input = append(input, map[string]any{"type": "function_call", "call_id": c.ID, "name": c.Name, "arguments": c.Arguments})
		}
		for _, res := range rd.results {
			input = append(input, map[string]any{"type": "function_call_output", "call_id": res.callID, "output": res.content})
		}
	}
	body := map[string]any{"model": model, "input": input}
	if len(tools) > 0 {
		body["tools"] = functionTools(tools, true)
	}
	return body
}

func readChat(url string, raw []byte) (modelAnswer, error) {
	var completion struct {
		Choices []struct {
			Message struct {
				Content   *string `json:"content"`
				ToolCalls []struct {
					ID       string `json:"id"`
					Function struct {
						Name      string `json:"name"`
						Arguments string `json:"arguments"`
					} `json:"function"`
				} `json:"tool_calls"`
			} `json:"message"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(raw, &completion); err != nil || len(completion.Choices) == 0 {
		return modelAnswer{}, fmt.Errorf("model request to %s: unusable completion %q", url, raw)
	}
	m := completion.Choices[0].Message
	var a modelAnswer
	if m.Content != nil {
		a.content = *m.Content
	}
	for _, c := range m.ToolCalls {
		a.calls = append(a.calls, modelToolCall{ID: c.ID, Name: c.Function.Name, Arguments: c.Function.Arguments})
	}
	return a, nil
}

func readResponses(url string, raw []byte) (modelAnswer, error) {
	var response struct {
		Output []struct {
			Type      string `json:"type"`
			CallID    string `json:"call_id"`
			Name      string `json:"name"`
			Arguments string `json:"arguments"`
			Content   []struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"content"`
		} `json:"output"`
	}
	if err := json.Unmarshal(raw, &response); err != nil || len(response.Output) == 0 {
		return modelAnswer{}, fmt.Errorf("model request to %s: unusable response %q", url, raw)
	}
	var a modelAnswer
	for _, item := range response.Output {
		switch item.Type {
		case "function_call":
			a.calls = append(a.calls, modelToolCall{ID: item.CallID, Name: item.Name, Arguments: item.Arguments})
		case "message":
			for _, c := range item.Content {
				if c.Type == "output_text" {
					a.content += c.Text
				}
			}
		}
	}
	return a, nil
}
