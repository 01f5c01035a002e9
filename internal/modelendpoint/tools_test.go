package modelendpoint

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chatBody is a chat-completions request whose conversation carries the
// given tool results, each after the assistant's call that asked for it.
func chatBody(stream bool, results ...string) string {
	msgs := []any{map[string]any{"role": "user", "content": "What is 5+5?"}}
	for i, r := range results {
		id := fmt.Sprintf("call_%d", i+1)
		msgs = append(msgs,
			map[string]any{"role": "assistant", "content": nil, "tool_calls": []any{map[string]any{
				"id": id, "type": "function", "function": map[string]any{"name": "lookup_fact", "arguments": "{}"}}}},
			map[string]any{"role": "tool", "tool_call_id": id, "content": r})
	}
	b, _ := json.Marshal(map[string]any{"model": "m", "stream": stream, "messages": msgs,
		"tools": []any{map[string]any{"type": "function", "function": map[string]any{"name": "lookup_fact"}}}})
	return string(b)
}

// responsesBody is a Responses API request carrying the given tool results
// as function_call_output items (the second as a list of content parts).
func responsesBody(stream bool, results ...string) string {
	input := []any{map[string]any{"role": "user", "content": "What is 5+5?"}}
	for i, r := range results {
		id := fmt.Sprintf("call_%d", i+1)
		var output any = r
		if i == 1 {
			output = []any{map[string]any{"type": "input_text", "text": r}}
		}
		input = append(input,
			map[string]any{"type": "function_call", "call_id": id, "name": "lookup_fact", "arguments": "{}"},
			map[string]any{"type": "function_call_output", "call_id": id, "output": output})
	}
	b, _ := json.Marshal(map[string]any{"model": "m", "stream": stream, "input": input,
		"tools": []any{map[string]any{"type": "function", "name": "lookup_fact"}}})
	return string(b)
}

// sseData returns the data lines of a server-sent event stream, and the
// event names where the stream gives them.
func sseData(t *testing.T, resp *http.Response) (data, events []string) {
	t.Helper()
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			data = append(data, line)
		}
		if name, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
			events = append(events, name)
		}
	}
	return data, events
}

// A turn of 2 tool rounds in chat completions: the first two requests are
// answered with a call to the tool (finish_reason tool_calls), the third,
// which carries two tool results, with the reply; each request records the
// results it carried.
func TestChatCompletionsToolCallTurn(t *testing.T) {
	s := Start(WithToolRounds("lookup_fact", 2))
	t.Cleanup(s.Close)
	for i, results := range [][]string{nil, {"fact 1"}, {"fact 1", "fact 2"}} {
		resp := post(t, s.URL()+"/v1/chat/completions", fmt.Sprintf("Bearer tok-%d", i+1), chatBody(false, results...))
		require.Equal(t, http.StatusOK, resp.StatusCode)
		var got struct {
			Choices []struct {
				FinishReason string `json:"finish_reason"`
				Message      struct {
					Content   *string `json:"content"`
					ToolCalls []struct {
						ID       string `json:"id"`
						Type     string `json:"type"`
						Function struct{ Name, Arguments string }
					} `json:"tool_calls"`
				} `json:"message"`
			} `json:"choices"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
		c := got.Choices[0]
		if i < 2 {
			assert.Equal(t, "tool_calls", c.FinishReason)
			require.Len(t, c.Message.ToolCalls, 1)
			call := c.Message.ToolCalls[0]
			assert.Equal(t, fmt.Sprintf("call_%d", i+1), call.ID)
			assert.Equal(t, "function", call.Type)
			assert.Equal(t, "lookup_fact", call.Function.Name)
			assert.True(t, json.Valid([]byte(call.Function.Arguments)), call.Function.Arguments)
		} else {
			assert.Equal(t, "stop", c.FinishReason)
			require.NotNil(t, c.Message.Content)
			assert.Equal(t, "ten", *c.Message.Content)
			assert.Empty(t, c.Message.ToolCalls)
		}
	}
	reqs := s.Requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, []string{"tool call lookup_fact", "tool call lookup_fact", "reply"}, []string{reqs[0].Answer, reqs[1].Answer, reqs[2].Answer})
	assert.Empty(t, reqs[0].ToolResults)
	assert.Equal(t, []string{"fact 1"}, reqs[1].ToolResults)
	assert.Equal(t, []string{"fact 1", "fact 2"}, reqs[2].ToolResults)
	assert.Equal(t, []string{"lookup_fact"}, reqs[0].Tools)
	assert.Equal(t, ChatCompletions, reqs[0].API)
	assert.Equal(t, "Bearer tok-3", reqs[2].Authorization)
}

func TestChatCompletionsStreamedToolCall(t *testing.T) {
	s := Start(WithToolRounds("lookup_fact", 1))
	t.Cleanup(s.Close)
	data, _ := sseData(t, post(t, s.URL()+"/v1/chat/completions", "Bearer x", chatBody(true)))
	require.Len(t, data, 4)
	assert.Contains(t, data[0], `"id":"call_1"`)
	assert.Contains(t, data[0], `"name":"lookup_fact"`)
	assert.Contains(t, data[1], `"arguments":"{\"query\":\"question 1\"}"`)
	assert.Contains(t, data[2], `"finish_reason":"tool_calls"`)
	assert.Equal(t, "[DONE]", data[3])

	data, _ = sseData(t, post(t, s.URL()+"/v1/chat/completions", "Bearer x", chatBody(true, "fact 1")))
	require.Len(t, data, 3)
	assert.Contains(t, data[0], `"content":"ten"`)
	assert.Contains(t, data[1], `"finish_reason":"stop"`)
}

// Without tool rounds the endpoint replies at once, whatever tools the
// request offers.
func TestNoToolRoundsRepliesAtOnce(t *testing.T) {
	s := Start()
	t.Cleanup(s.Close)
	resp := post(t, s.URL()+"/v1/chat/completions", "Bearer x", chatBody(false))
	var got struct {
		Choices []struct {
			FinishReason string `json:"finish_reason"`
		} `json:"choices"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
	assert.Equal(t, "stop", got.Choices[0].FinishReason)
	assert.Equal(t, "reply", s.Requests()[0].Answer)
}

// The same turn in the Responses API form: a function_call output item
// while the input carries fewer function_call_output items than the rounds.
func TestResponsesAPIToolCallTurn(t *testing.T) {
	s := Start()
	s.SetToolRounds("lookup_fact", 2)
	t.Cleanup(s.Close)
	for i, results := range [][]string{nil, {"fact 1"}, {"fact 1", "fact 2"}} {
		resp := post(t, s.URL()+"/openai/v1/responses", "Bearer x", responsesBody(false, results...))
		require.Equal(t, http.StatusOK, resp.StatusCode)
		var got struct {
			Object string `json:"object"`
			Status string `json:"status"`
			Output []struct {
				Type, CallID, Name, Arguments string
				Content                       []struct{ Type, Text string }
			} `json:"output"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
		assert.Equal(t, "response", got.Object)
		assert.Equal(t, "completed", got.Status)
		require.Len(t, got.Output, 1)
		out := got.Output[0]
		if i < 2 {
			assert.Equal(t, "function_call", out.Type)
			assert.Equal(t, "lookup_fact", out.Name)
			assert.True(t, json.Valid([]byte(out.Arguments)))
		} else {
			assert.Equal(t, "message", out.Type)
			require.Len(t, out.Content, 1)
			assert.Equal(t, "output_text", out.Content[0].Type)
			assert.Equal(t, "ten", out.Content[0].Text)
		}
	}
	reqs := s.Requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, Responses, reqs[0].API)
	assert.Equal(t, []string{"lookup_fact"}, reqs[0].Tools)
	assert.Equal(t, []string{"fact 1", "fact 2"}, reqs[2].ToolResults)
	assert.Equal(t, "reply", reqs[2].Answer)
}

func TestResponsesAPIStreamedEvents(t *testing.T) {
	s := Start(WithToolRounds("lookup_fact", 1))
	t.Cleanup(s.Close)
	data, events := sseData(t, post(t, s.URL()+"/v1/responses", "Bearer x", responsesBody(true)))
	assert.Equal(t, []string{"response.created", "response.in_progress", "response.output_item.added",
		"response.function_call_arguments.delta", "response.function_call_arguments.done",
		"response.output_item.done", "response.completed"}, events)
	require.Len(t, data, len(events))
	for i, d := range data {
		var e struct {
			Type string `json:"type"`
			Seq  int    `json:"sequence_number"`
		}
		require.NoError(t, json.Unmarshal([]byte(d), &e))
		assert.Equal(t, events[i], e.Type)
		assert.Equal(t, i, e.Seq)
	}
	assert.Contains(t, data[5], `"type":"function_call"`)
	assert.Contains(t, data[5], `"call_id":"call_1"`)

	_, events = sseData(t, post(t, s.URL()+"/v1/responses", "Bearer x", responsesBody(true, "fact 1")))
	assert.Equal(t, []string{"response.created", "response.in_progress", "response.output_item.added",
		"response.content_part.added", "response.output_text.delta", "response.output_text.done",
		"response.content_part.done", "response.output_item.done", "response.completed"}, events)
}

// A second turn's conversation carries the first turn's tool results
// before its own user message: they do not count, so the second turn gets
// its own round of tool calls, in both wire forms.
func TestEachTurnGetsItsOwnRounds(t *testing.T) {
	s := Start(WithToolRounds("lookup_fact", 1))
	t.Cleanup(s.Close)
	var chat map[string]any
	require.NoError(t, json.Unmarshal([]byte(chatBody(false, "fact 1")), &chat))
	chat["messages"] = append(chat["messages"].([]any),
		map[string]any{"role": "assistant", "content": "ten"},
		map[string]any{"role": "user", "content": "And 6+6?"})
	b, _ := json.Marshal(chat)
	post(t, s.URL()+"/v1/chat/completions", "Bearer x", string(b))

	var resp map[string]any
	require.NoError(t, json.Unmarshal([]byte(responsesBody(false, "fact 1")), &resp))
	resp["input"] = append(resp["input"].([]any), map[string]any{"role": "user", "content": "And 6+6?"})
	b, _ = json.Marshal(resp)
	post(t, s.URL()+"/v1/responses", "Bearer x", string(b))

	for _, r := range s.Requests() {
		assert.Empty(t, r.ToolResults, r.API)
		assert.Equal(t, "tool call lookup_fact", r.Answer, r.API)
	}
}
