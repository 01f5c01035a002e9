// Package modelendpoint is a fake OpenAI-compatible model endpoint on
// loopback. It records what each request carried (above all its
// Authorization header, which is where a callback's token must end up) and
// answers a fixed reply, as plain JSON or, when the request asks for
// "stream": true, as server-sent events. It serves both wire APIs a BYOK
// provider can select: chat completions (POST .../chat/completions) and the
// Responses API (POST .../responses, a provider's wireApi "responses").
//
// With WithToolRounds (or SetToolRounds) it answers each turn with tool
// calls before the reply, so that one turn makes several model requests,
// as agent turns do (tools.go).
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

// DefaultReply is the assistant content every final answer carries.
const DefaultReply = "ten"

// The wire APIs a request can use (Request.API).
const (
	ChatCompletions = "chat-completions"
	Responses       = "responses"
)

// Request is what the endpoint saw of one HTTP request.
type Request struct {
	Time          time.Time
	Method        string
	Path          string
	API           string // ChatCompletions or Responses; "" for a path the endpoint does not serve
	Authorization string
	Model         string
	Stream        bool
	Header        http.Header
	// Tools are the names of the function tools the request offered the model.
	Tools []string
	// ToolResults are the results of tool calls the request's turn carried:
	// those after the conversation's last user message, in order (chat
	// completions: the "tool" messages' content; Responses API: the
	// "function_call_output" items' output). Earlier turns' results do not
	// count, so every turn gets its own rounds of tool calls.
	ToolResults []string
	// Answer is what the endpoint answered: "tool call <tool>" or "reply".
	Answer string
}

// Server is a running endpoint. Close it when done.
type Server struct {
	srv   *httptest.Server
	reply string

	mu         sync.Mutex
	requests   []Request
	toolRounds int    // tool-call answers per turn before the reply
	tool       string // the tool those calls name
}

// Option configures a Server.
type Option func(*Server)

// WithReply sets the assistant content of every final answer.
func WithReply(content string) Option { return func(s *Server) { s.reply = content } }

// WithToolRounds makes the endpoint answer each turn with k rounds of a
// call to the tool named tool before its reply (see SetToolRounds).
func WithToolRounds(tool string, k int) Option {
	return func(s *Server) { s.tool, s.toolRounds = tool, k }
}

// Start starts an endpoint on a loopback port.
func Start(opts ...Option) *Server {
	s := &Server{reply: DefaultReply}
	for _, o := range opts {
		o(s)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// SetToolRounds makes later requests answer with k rounds of a call to the
// tool named tool before the reply. The endpoint keeps no state per turn:
// it counts the tool results the request's turn already carries (those
// after the last user message) and calls the tool while there are fewer
// than k (k = 0: reply at once).
func (s *Server) SetToolRounds(tool string, k int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tool, s.toolRounds = tool, k
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
		fmt.Fprintf(&b, "%d. %s %s api=%s Authorization=%q model=%q stream=%v tools=%q toolResults=%q answer=%q\n",
			i+1, r.Method, r.Path, r.API, r.Authorization, r.Model, r.Stream, r.Tools, r.ToolResults, r.Answer)
	}
	return b.String()
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	conv := readConversation(body) // a body that is not JSON is recorded with empty fields
	rec := Request{
		Time: time.Now(), Method: r.Method, Path: r.URL.Path,
		Authorization: r.Header.Get("Authorization"),
		Model:         conv.Model, Stream: conv.Stream, Header: r.Header.Clone(),
		Tools: conv.tools(), ToolResults: conv.toolResults(),
	}
	switch {
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/chat/completions"):
		rec.API = ChatCompletions
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/responses"):
		rec.API = Responses
	}
	s.mu.Lock()
	tool, rounds, reply := s.tool, s.toolRounds, s.reply
	var call *toolCall
	if rec.API != "" && tool != "" && len(rec.ToolResults) < rounds {
		n := len(rec.ToolResults) + 1
		call = &toolCall{id: fmt.Sprintf("call_%d", n), name: tool, arguments: fmt.Sprintf(`{"query":"question %d"}`, n)}
		rec.Answer = "tool call " + tool
	} else if rec.API != "" {
		rec.Answer = "reply"
	}
	s.requests = append(s.requests, rec)
	s.mu.Unlock()

	a := answer{model: conv.Model, reply: reply, call: call}
	switch {
	case rec.API == ChatCompletions && conv.Stream:
		a.writeChatStream(w)
	case rec.API == ChatCompletions:
		a.writeChat(w)
	case rec.API == Responses && conv.Stream:
		a.writeResponsesStream(w)
	case rec.API == Responses:
		a.writeResponses(w)
	default:
		http.Error(w, `{"error":{"message":"this fake endpoint only serves POST .../chat/completions and POST .../responses"}}`, http.StatusNotFound)
	}
}

// conversation is the part of a request body the endpoint reads: chat
// completions carry "messages", the Responses API "input".
type conversation struct {
	Model    string `json:"model"`
	Stream   bool   `json:"stream"`
	Messages []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
	Input json.RawMessage `json:"input"` // a string, or a list of items
	Tools []struct {
		Type     string `json:"type"`
		Name     string `json:"name"` // Responses API
		Function struct {
			Name string `json:"name"`
		} `json:"function"` // chat completions
	} `json:"tools"`
}

func readConversation(body []byte) conversation {
	var c conversation
	_ = json.Unmarshal(body, &c)
	return c
}

func (c conversation) tools() []string {
	var names []string
	for _, t := range c.Tools {
		if t.Function.Name != "" {
			names = append(names, t.Function.Name)
		} else if t.Name != "" {
			names = append(names, t.Name)
		}
	}
	return names
}

// toolResults are the tool results after the last user message.
func (c conversation) toolResults() []string {
	var out []string
	for _, m := range c.Messages {
		switch m.Role {
		case "user":
			out = nil
		case "tool":
			out = append(out, text(m.Content))
		}
	}
	var items []struct {
		Type   string          `json:"type"`
		Role   string          `json:"role"`
		Output json.RawMessage `json:"output"`
	}
	if json.Unmarshal(c.Input, &items) == nil {
		for _, it := range items {
			switch {
			case it.Role == "user":
				out = nil
			case it.Type == "function_call_output":
				out = append(out, text(it.Output))
			}
		}
	}
	return out
}

// text is a content value as text: a string, or the text parts of a list
// of content parts joined.
func text(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []struct {
		Text string `json:"text"`
	}
	if json.Unmarshal(raw, &parts) == nil {
		var b strings.Builder
		for _, p := range parts {
			b.WriteString(p.Text)
		}
		return b.String()
	}
	return string(raw)
}
