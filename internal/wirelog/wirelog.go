// Package wirelog records the JSON-RPC frames that cross between an SDK and
// a runtime, in both directions, with the time each was seen. Steps assert on
// it; a failing scenario prints it.
package wirelog

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Direction says who sent a frame.
type Direction string

const (
	SDKToRuntime Direction = "sdk->runtime"
	RuntimeToSDK Direction = "runtime->sdk"
)

// Frame is one entry of the log: a frame's raw JSON body, or, when Err is
// set, a frame that could not be read (Raw is then empty).
type Frame struct {
	Seq int
	// Conn numbers the connection the frame crossed (1, 2, ... in the order
	// they were opened; 0 for a frame added without one). JSON-RPC ids are
	// per connection: the real runtime starts its own at 0 on each.
	Conn int
	Time time.Time
	Dir  Direction
	Raw  json.RawMessage
	Err  string
}

// Message is a frame decoded as JSON-RPC 2.0. ID is kept raw so that 7 and
// "7" stay distinct, as they are on the wire.
type Message struct {
	ID     json.RawMessage `json:"id,omitempty"`
	Method string          `json:"method,omitempty"`
	Params json.RawMessage `json:"params,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  *ErrorObject    `json:"error,omitempty"`
	// Time is when the frame carrying the message was logged, and Conn
	// the connection it crossed (Frame.Conn).
	Time time.Time `json:"-"`
	Conn int       `json:"-"`
}

// ErrorObject is a JSON-RPC error response's "error" member.
type ErrorObject struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// IsRequest reports whether m is a request (it has a method and an id).
func (m Message) IsRequest() bool { return m.Method != "" && len(m.ID) > 0 }

// IsResponse reports whether m is a response (an id and no method).
func (m Message) IsResponse() bool { return m.Method == "" && len(m.ID) > 0 }

// Decode parses the frame as a JSON-RPC message.
func (f Frame) Decode() (Message, error) {
	var m Message
	if f.Err != "" {
		return m, fmt.Errorf("frame #%d could not be read: %s", f.Seq, f.Err)
	}
	err := json.Unmarshal(f.Raw, &m)
	m.Time, m.Conn = f.Time, f.Conn
	return m, err
}

// Log is a concurrency-safe, append-only list of frames.
type Log struct {
	mu     sync.Mutex
	frames []Frame
	conns  int
	now    func() time.Time
}

// New returns an empty log.
func New() *Log { return &Log{now: time.Now} }

// Add records a frame body that crossed no numbered connection (Conn 0).
// The bytes are copied.
func (l *Log) Add(dir Direction, body []byte) { Connection{log: l}.Add(dir, body) }

// AddError records a frame that could not be read (Conn 0).
func (l *Log) AddError(dir Direction, err error) { Connection{log: l}.AddError(dir, err) }

// Connection records the frames of one connection into a log, numbered
// after the log's earlier connections (0: no numbered connection).
type Connection struct {
	log *Log
	n   int
}

// NewConnection numbers a newly opened connection.
func (l *Log) NewConnection() Connection {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.conns++
	return Connection{log: l, n: l.conns}
}

// Add records a frame body that crossed this connection. The bytes are copied.
func (c Connection) Add(dir Direction, body []byte) {
	c.log.append(Frame{Conn: c.n, Dir: dir, Raw: append(json.RawMessage(nil), body...)})
}

// AddError records a frame of this connection that could not be read.
func (c Connection) AddError(dir Direction, err error) {
	c.log.append(Frame{Conn: c.n, Dir: dir, Err: err.Error()})
}

func (l *Log) append(f Frame) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f.Seq = len(l.frames) + 1
	f.Time = l.now()
	l.frames = append(l.frames, f)
}

// Frames returns a copy of every frame so far.
func (l *Log) Frames() []Frame {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Frame(nil), l.frames...)
}

// Errors returns the frames that could not be read.
func (l *Log) Errors() []Frame {
	var bad []Frame
	for _, f := range l.Frames() {
		if f.Err != "" {
			bad = append(bad, f)
		}
	}
	return bad
}

// Requests returns the requests of the given method sent in direction dir.
func (l *Log) Requests(dir Direction, method string) []Message {
	var out []Message
	for _, f := range l.Frames() {
		if f.Dir != dir {
			continue
		}
		if m, err := f.Decode(); err == nil && m.IsRequest() && m.Method == method {
			out = append(out, m)
		}
	}
	return out
}

// ResponseTo returns the response to req, sent in direction dir: the one
// with req's id on req's connection.
func (l *Log) ResponseTo(dir Direction, req Message) (Message, bool) {
	for _, f := range l.Frames() {
		if f.Dir != dir || f.Conn != req.Conn {
			continue
		}
		if m, err := f.Decode(); err == nil && m.IsResponse() && string(m.ID) == string(req.ID) {
			return m, true
		}
	}
	return Message{}, false
}

// maxDumpFrame bounds how much of one frame String prints: session events
// can be large and the interesting part is nearly always at the start.
const maxDumpFrame = 600

// String renders the log for a human: one line per frame, times relative to
// the first frame.
func (l *Log) String() string {
	frames := l.Frames()
	if len(frames) == 0 {
		return "(no frames)\n"
	}
	// Connection numbers are shown once a log spans more than one.
	numbered := false
	for _, f := range frames {
		numbered = numbered || f.Conn > 1
	}
	var b strings.Builder
	start := frames[0].Time
	for _, f := range frames {
		body := string(f.Raw)
		if f.Err != "" {
			body = "UNREADABLE FRAME: " + f.Err
		}
		if len(body) > maxDumpFrame {
			body = body[:maxDumpFrame] + fmt.Sprintf("... (%d bytes)", len(f.Raw))
		}
		conn := ""
		if numbered {
			conn = fmt.Sprintf("conn %d ", f.Conn)
		}
		fmt.Fprintf(&b, "#%-3d +%7.1fms %s%-12s %s\n", f.Seq, float64(f.Time.Sub(start).Microseconds())/1000, conn, f.Dir, body)
	}
	return b.String()
}

// SessionOpen returns the params of the last session.create or
// session.resume request (method) the SDK sent for the session id, decoded
// and raw, or nil when there is none. The session is matched by the id in
// the request, or, for SDKs that let the runtime choose, by the id in the
// runtime's answer.
func (l *Log) SessionOpen(method, id string) (map[string]any, json.RawMessage) {
	var found map[string]any
	var raw json.RawMessage
	for _, req := range l.Requests(SDKToRuntime, method) {
		var params map[string]any
		if json.Unmarshal(req.Params, &params) != nil {
			continue
		}
		sent, _ := params["sessionId"].(string)
		if sent == "" {
			if resp, ok := l.ResponseTo(RuntimeToSDK, req); ok {
				var result struct{ SessionID string }
				_ = json.Unmarshal(resp.Result, &result)
				sent = result.SessionID
			}
		}
		if sent == id {
			found, raw = params, req.Params
		}
	}
	return found, raw
}
