// Package modelendpoint is a fake OpenAI-compatible model endpoint on
// loopback. It records what each request carried (above all its
// Authorization header, which is where a callback's token must end up) and
// answers a fixed chat completion, as plain JSON or, when the request asks
// for "stream": true, as server-sent events.
package modelendpoint

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// DefaultReply is the assistant content every completion carries.
const DefaultReply = "ten"

// Request is what the endpoint saw of one HTTP request.
type Request struct {
	Time          time.Time
	Method        string
	Path          string
	Authorization string
	Model         string
	Stream        bool
	Header        http.Header
}

// Server is a running endpoint. Close it when done.
type Server struct {
	srv   *httptest.Server
	reply string

	mu       sync.Mutex
	requests []Request
}

// Option configures a Server.
type Option func(*Server)

// WithReply sets the assistant content of every completion.
func WithReply(content string) Option { return func(s *Server) { s.reply = content } }

// Start starts an endpoint on a loopback port.
func Start(opts ...Option) *Server {
	s := &Server{reply: DefaultReply}
	for _, o := range opts {
		o(s)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the endpoint's base URL, e.g. http://127.0.0.1:41234 (no path).
func (s *Server) URL() string { return s.srv.URL }

// Close stops the endpoint.
func (s *Server) Close() { s.srv.Close() }

// Requests returns every request so far, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// String renders the requests for a failure message.
func (s *Server) String() string {
	reqs := s.Requests()
	if len(reqs) == 0 {
		return "(no model requests)\n"
	}
	var b strings.Builder
	for i, r := range reqs {
		fmt.Fprintf(&b, "%d. %s %s Authorization=%q model=%q stream=%v\n", i+1, r.Method, r.Path, r.Authorization, r.Model, r.Stream)
	}
	return b.String()
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	var req struct {
		Model  string `json:"model"`
		Stream bool   `json:"stream"`
	}
	_ = json.Unmarshal(body, &req) // a body that is not JSON is recorded with empty fields
	s.mu.Lock()
	s.requests = append(s.requests, Request{
		Time: time.Now(), Method: r.Method, Path: r.URL.Path,
		Authorization: r.Header.Get("Authorization"),
		Model:         req.Model, Stream: req.Stream, Header: r.Header.Clone(),
	})
	s.mu.Unlock()

	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/chat/completions") {
		http.Error(w, `{"error":{"message":"this fake endpoint only serves POST .../chat/completions"}}`, http.StatusNotFound)
		return
	}
	if req.Stream {
		s.writeStream(w, req.Model)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id": "chatcmpl-fake", "object": "chat.completion", "created": time.Now().Unix(), "model": req.Model,
		"choices": []any{map[string]any{
			"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": s.reply},
		}},
		"usage": map[string]any{"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
	})
}

func (s *Server) writeStream(w http.ResponseWriter, model string) {
	w.Header().Set("Content-Type", "text/event-stream")
	chunk := func(delta map[string]any, finish any) {
		b, _ := json.Marshal(map[string]any{
			"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": time.Now().Unix(), "model": model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}},
		})
		fmt.Fprintf(w, "data: %s\n\n", b)
	}
	chunk(map[string]any{"role": "assistant", "content": s.reply}, nil)
	chunk(map[string]any{}, "stop")
	fmt.Fprint(w, "data: [DONE]\n\n")
}
