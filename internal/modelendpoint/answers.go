package modelendpoint

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// toolCall is one call of a function tool the endpoint answers with.
type toolCall struct {
	id, name, arguments string
}

// answer is one model answer, the reply or a tool call, written in the
// form the request's wire API (and its "stream") asks for.
type answer struct {
	model string
	reply string
	call  *toolCall // nil: the reply
}

var usage = map[string]any{"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6}

func (a answer) writeChat(w http.ResponseWriter) {
	message := map[string]any{"role": "assistant", "content": a.reply}
	finish := "stop"
	if a.call != nil {
		message = map[string]any{"role": "assistant", "content": nil, "tool_calls": []any{map[string]any{
			"id": a.call.id, "type": "function",
			"function": map[string]any{"name": a.call.name, "arguments": a.call.arguments},
		}}}
		finish = "tool_calls"
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id": "chatcmpl-fake", "object": "chat.completion", "created": time.Now().Unix(), "model": a.model,
		"choices": []any{map[string]any{"index": 0, "finish_reason": finish, "message": message}},
		"usage":   usage,
	})
}

func (a answer) writeChatStream(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	chunk := func(delta map[string]any, finish any) {
		b, _ := json.Marshal(map[string]any{
			"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": time.Now().Unix(), "model": a.model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}},
		})
		fmt.Fprintf(w, "data: %s\n\n", b)
	}
	if a.call != nil {
		// As OpenAI streams a call: its id and name first, the arguments after.
		chunk(map[string]any{"role": "assistant", "content": nil, "tool_calls": []any{map[string]any{
			"index": 0, "id": a.call.id, "type": "function",
			"function": map[string]any{"name": a.call.name, "arguments": ""}}}}, nil)
		chunk(map[string]any{"tool_calls": []any{map[string]any{
			"index": 0, "function": map[string]any{"arguments": a.call.arguments}}}}, nil)
		chunk(map[string]any{}, "tool_calls")
	} else {
		chunk(map[string]any{"role": "assistant", "content": a.reply}, nil)
		chunk(map[string]any{}, "stop")
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
}

// responseItem is the one output item of a Responses API answer, complete.
func (a answer) responseItem() map[string]any {
	if a.call != nil {
		return map[string]any{"type": "function_call", "id": "fc_" + a.call.id, "call_id": a.call.id,
			"name": a.call.name, "arguments": a.call.arguments, "status": "completed"}
	}
	return map[string]any{"type": "message", "id": "msg_fake", "status": "completed", "role": "assistant",
		"content": []any{map[string]any{"type": "output_text", "text": a.reply, "annotations": []any{}}}}
}

func (a answer) response(status string, output []any) map[string]any {
	r := map[string]any{"id": "resp_fake", "object": "response", "created_at": time.Now().Unix(),
		"status": status, "model": a.model, "output": output, "parallel_tool_calls": true,
		"error": nil, "incomplete_details": nil}
	if status == "completed" {
		r["usage"] = map[string]any{"input_tokens": 5, "output_tokens": 1, "total_tokens": 6,
			"input_tokens_details": map[string]any{"cached_tokens": 0}, "output_tokens_details": map[string]any{"reasoning_tokens": 0}}
	}
	return r
}

func (a answer) writeResponses(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(a.response("completed", []any{a.responseItem()}))
}

// writeResponsesStream writes the events the Responses API streams for one
// output item: created, the item added, its content in deltas, the item
// done, completed.
func (a answer) writeResponsesStream(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	seq := 0
	event := func(typ string, fields map[string]any) {
		fields["type"], fields["sequence_number"] = typ, seq
		seq++
		b, _ := json.Marshal(fields)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", typ, b)
	}
	item := a.responseItem()
	event("response.created", map[string]any{"response": a.response("in_progress", []any{})})
	event("response.in_progress", map[string]any{"response": a.response("in_progress", []any{})})
	if a.call != nil {
		added := map[string]any{}
		for k, v := range item {
			added[k] = v
		}
		added["arguments"], added["status"] = "", "in_progress"
		event("response.output_item.added", map[string]any{"output_index": 0, "item": added})
		event("response.function_call_arguments.delta", map[string]any{"output_index": 0, "item_id": item["id"], "delta": a.call.arguments})
		event("response.function_call_arguments.done", map[string]any{"output_index": 0, "item_id": item["id"], "arguments": a.call.arguments})
	} else {
		added := map[string]any{"type": "message", "id": item["id"], "status": "in_progress", "role": "assistant", "content": []any{}}
		part := map[string]any{"type": "output_text", "text": "", "annotations": []any{}}
		at := map[string]any{"output_index": 0, "item_id": item["id"], "content_index": 0}
		with := func(extra map[string]any) map[string]any {
			m := map[string]any{}
			for k, v := range at {
				m[k] = v
			}
			for k, v := range extra {
				m[k] = v
			}
			return m
		}
		event("response.output_item.added", map[string]any{"output_index": 0, "item": added})
		event("response.content_part.added", with(map[string]any{"part": part}))
		event("response.output_text.delta", with(map[string]any{"delta": a.reply}))
		event("response.output_text.done", with(map[string]any{"text": a.reply}))
		event("response.content_part.done", with(map[string]any{"part": map[string]any{"type": "output_text", "text": a.reply, "annotations": []any{}}}))
	}
	event("response.output_item.done", map[string]any{"output_index": 0, "item": item})
	event("response.completed", map[string]any{"response": a.response("completed", []any{item})})
}
