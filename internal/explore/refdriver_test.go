package explore

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/sourcegraph/jsonrpc2"

	"conformance/internal/driver"
	"conformance/internal/jsonrpc"
)

// refDriver is an SDK and its driver in one, in process: it takes driver
// protocol commands on a pipe and speaks the SDK's side of JSON-RPC to
// the fake runtime, keeping the contract, except for one planted bug
// (bug) that breaks one rule under one condition. Delays are scaled down
// fifty times: no check here measures time.
type refDriver struct {
	bug string

	stdinR, stdoutR *io.PipeReader
	stdinW, stdoutW *io.PipeWriter
	exited          chan struct{}
	stopOnce        sync.Once

	mu       sync.Mutex
	conn     *jsonrpc2.Conn
	sessions map[string]*refSession // by id
	invs     []driver.Invocation
	counts   map[string]int
	cache    map[string]string
}

type refSession struct {
	ref       string
	id        string
	singular  *driver.Provider
	named     []driver.Provider
	connected bool
}

// Planted bugs, each breaking one rule under one condition.
const (
	bugTruncateLong    = "truncate tokens over 10 KB while a second session exists"  // BT-6
	bugNoFlag          = "no hasBearerTokenProvider on named providers"              // BT-1
	bugCallbackKey     = "a bearerTokenProvider key beside the flag"                 // BT-2
	bugFlagWithout     = "flag on a provider without a callback"                     // BT-2
	bugScopeKey        = "a scope key on the provider"                               // BT-3
	bugDefaultName     = "the singular callback receives providerName \"\""          // BT-4
	bugWrongProvider   = "a named request invokes the first named provider"          // BT-5
	bugInvokeNoCb      = "a request for a provider without callback invokes another" // BT-5
	bugCache           = "the second request of a callback gets the first token"     // BT-6
	bugBearerPrefix    = "the answer has a Bearer prefix"                            // BT-6
	bugNoSessionID     = "the callback gets no sessionId"                            // BT-7
	bugKeepDisconnect  = "a disconnected session still answers"                      // BT-8 (known in the test's Known)
	bugOtherSession    = "a request of a session reaches the first session"          // BT-8
	bugUnknownSilent   = "a request for an unknown session is never answered"        // BT-8
	bugNoCbToken       = "a provider without a callback is answered an empty token"  // BT-9
	bugFailAsToken     = "a failing callback is answered with an empty token"        // BT-10
	bugBurstDouble     = "concurrent requests share one invocation"                  // BT-11
	bugAnswerTwice     = "every request is answered twice"                           // BT-11
	bugCutSlow         = "a callback slower than 1 s is answered with an error"      // BT-12
	bugResumeOldCbs    = "after resume the old callbacks are invoked"                // BT-13
	bugNone            = ""
	refDelayScale      = 50
	refHelloGeneration = 2
)

func newRefDriver(bug string) *refDriver {
	d := &refDriver{bug: bug, exited: make(chan struct{}), sessions: map[string]*refSession{}, counts: map[string]int{}, cache: map[string]string{}}
	d.stdinR, d.stdinW = io.Pipe()
	d.stdoutR, d.stdoutW = io.Pipe()
	go d.serve()
	return d
}

func startRef(bug string) func(context.Context) (*driver.Driver, error) {
	return func(context.Context) (*driver.Driver, error) {
		return driver.New(newRefDriver(bug), driver.NewStderrTail()), nil
	}
}

var refHello = driver.Hello{SDK: "ref", SDKVersion: "0.0.1", Generation: refHelloGeneration,
	Capabilities: []string{"providers", "resume", "disconnectSession"}}

func (d *refDriver) Stdin() io.WriteCloser   { return d.stdinW }
func (d *refDriver) Stdout() io.Reader       { return d.stdoutR }
func (d *refDriver) Exited() <-chan struct{} { return d.exited }
func (d *refDriver) ExitErr() error          { return nil }
func (d *refDriver) String() string          { return "refdriver(" + d.bug + ")" }
func (d *refDriver) Stop() {
	d.stopOnce.Do(func() {
		_ = d.stdinR.Close()
		_ = d.stdoutW.Close()
		d.mu.Lock()
		if d.conn != nil {
			_ = d.conn.Close()
		}
		d.mu.Unlock()
		close(d.exited)
	})
}

func (d *refDriver) serve() {
	defer d.Stop()
	in := bufio.NewScanner(d.stdinR)
	in.Buffer(nil, 16<<20)
	for in.Scan() {
		var c struct {
			ID  int    `json:"id"`
			Cmd string `json:"cmd"`
		}
		_ = json.Unmarshal(in.Bytes(), &c)
		result, err := d.do(c.Cmd, in.Bytes())
		a := map[string]any{"id": c.ID, "ok": err == nil}
		if err != nil {
			a["error"] = map[string]string{"kind": "sdk", "message": err.Error()}
		} else {
			a["result"] = result
		}
		b, _ := json.Marshal(a)
		if _, err := d.stdoutW.Write(append(append([]byte{driver.Marker}, b...), '\n')); err != nil {
			return
		}
	}
}

func (d *refDriver) do(cmd string, line []byte) (any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	switch cmd {
	case "hello":
		return refHello, nil
	case "connect":
		var c struct{ RuntimeAddress string }
		_ = json.Unmarshal(line, &c)
		nc, err := net.Dial("tcp", c.RuntimeAddress)
		if err != nil {
			return nil, err
		}
		conn := jsonrpc2.NewConn(context.Background(), jsonrpc2.NewBufferedStream(nc, jsonrpc.Codec{}), jsonrpc2.AsyncHandler(jsonrpc2.HandlerWithError(d.handle)))
		d.mu.Lock()
		d.conn = conn
		d.mu.Unlock()
		return map[string]any{}, conn.Call(ctx, "ping", map[string]any{}, nil)
	case "createSession", "resumeSession":
		var spec driver.SessionSpec
		if err := json.Unmarshal(line, &spec); err != nil {
			return nil, err
		}
		return d.open(ctx, cmd, spec)
	case "disconnectSession":
		var c struct{ Ref string }
		_ = json.Unmarshal(line, &c)
		d.mu.Lock()
		var id string
		for _, s := range d.sessions {
			if s.ref == c.Ref && s.connected {
				id = s.id
				if d.bug != bugKeepDisconnect {
					s.connected = false
				}
			}
		}
		d.mu.Unlock()
		return map[string]any{}, d.conn.Call(ctx, "session.destroy", map[string]string{"sessionId": id}, nil)
	case "invocations":
		d.mu.Lock()
		defer d.mu.Unlock()
		return map[string]any{"invocations": append([]driver.Invocation{}, d.invs...)}, nil
	case "disconnect", "stop":
		return map[string]any{}, nil
	}
	return nil, fmt.Errorf("unknown command %q", cmd)
}

func (d *refDriver) open(ctx context.Context, cmd string, spec driver.SessionSpec) (any, error) {
	id := spec.SessionID
	if id == "" {
		id = uuid.NewString()
	}
	wire := func(p driver.Provider) map[string]any {
		m := map[string]any{"type": p.Type, "baseUrl": p.BaseURL}
		if p.Name != "" {
			m["name"] = p.Name
		}
		if p.APIKey != "" {
			m["apiKey"] = p.APIKey
		}
		if p.BearerToken != "" {
			m["bearerToken"] = p.BearerToken
		}
		if p.Callback != nil && !(d.bug == bugNoFlag && p.Name != "") {
			m["hasBearerTokenProvider"] = true
		}
		switch {
		case d.bug == bugCallbackKey && p.Callback != nil:
			m["bearerTokenProvider"] = "[Function]"
		case d.bug == bugFlagWithout && p.Callback == nil:
			m["hasBearerTokenProvider"] = true
		case d.bug == bugScopeKey:
			m["scope"] = "https://cognitiveservices.azure.com/.default"
		}
		return m
	}
	params := map[string]any{"sessionId": id, "model": spec.Model}
	if spec.Provider != nil {
		params["provider"] = wire(*spec.Provider)
	}
	var named []any
	for _, p := range spec.Providers {
		named = append(named, wire(p))
	}
	if named != nil {
		params["providers"], params["models"] = named, spec.Models
	}
	method := "session.create"
	if cmd == "resumeSession" {
		method = "session.resume"
	}
	if err := d.conn.Call(ctx, method, params, nil); err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	s := &refSession{ref: spec.Ref, id: id, singular: spec.Provider, named: spec.Providers, connected: true}
	if old, ok := d.sessions[id]; ok && d.bug == bugResumeOldCbs {
		s.ref, s.singular, s.named = old.ref, old.singular, old.named
	}
	d.sessions[id] = s
	return map[string]string{"sessionId": id}, nil
}

// handle answers the runtime's requests: providerToken.getToken.
func (d *refDriver) handle(ctx context.Context, conn *jsonrpc2.Conn, req *jsonrpc2.Request) (any, error) {
	if req.Notif {
		return nil, nil
	}
	if req.Method != "providerToken.getToken" {
		return nil, &jsonrpc2.Error{Code: jsonrpc2.CodeMethodNotFound, Message: "no " + req.Method}
	}
	var p struct{ SessionID, ProviderName string }
	if req.Params != nil {
		_ = json.Unmarshal(*req.Params, &p)
	}
	d.mu.Lock()
	s, ok := d.sessions[p.SessionID]
	if d.bug == bugOtherSession && ok && len(d.sessions) > 1 {
		for _, other := range d.sessions {
			if other.ref == "A" {
				s = other
			}
		}
	}
	live := 0
	for _, x := range d.sessions {
		if x.connected {
			live++
		}
	}
	d.mu.Unlock()
	if !ok || !s.connected {
		if d.bug == bugUnknownSilent && !ok {
			<-d.exited // never answered while the driver runs
		}
		return nil, &jsonrpc2.Error{Code: jsonrpc2.CodeInvalidParams, Message: "unknown session " + p.SessionID}
	}
	var prov *driver.Provider
	name := p.ProviderName
	if name == "default" && s.singular != nil {
		prov = s.singular
	}
	for i := range s.named {
		if s.named[i].Name == name {
			prov = &s.named[i]
		}
	}
	if d.bug == bugWrongProvider && len(s.named) > 1 && prov != nil && prov.Name != s.named[0].Name && s.named[0].Callback != nil {
		prov = &s.named[0]
	}
	if prov == nil || prov.Callback == nil {
		if d.bug == bugInvokeNoCb {
			for i := range s.named {
				if s.named[i].Callback != nil {
					prov = &s.named[i]
				}
			}
		}
		if prov == nil || prov.Callback == nil {
			if d.bug == bugNoCbToken {
				return map[string]string{"token": ""}, nil
			}
			return nil, &jsonrpc2.Error{Code: jsonrpc2.CodeInvalidParams, Message: "no callback for provider " + name}
		}
	}
	lbl := s.ref + "/singular"
	if prov.Name != "" {
		lbl = s.ref + "/" + prov.Name
	}
	d.mu.Lock()
	if tok, cached := d.cache[lbl]; cached && d.bug == bugCache {
		d.mu.Unlock()
		return map[string]string{"token": tok}, nil
	}
	d.counts[lbl]++
	n := d.counts[lbl]
	d.mu.Unlock()
	if d.bug == bugBurstDouble && n%2 == 0 {
		// The second of two requests in flight at once gets the first's
		// token without an invocation of its own.
		time.Sleep(20 * time.Millisecond)
		d.mu.Lock()
		tok := d.cache[lbl]
		d.mu.Unlock()
		if tok != "" {
			return map[string]string{"token": tok}, nil
		}
	}
	r := prov.Callback.Responses[min(n, len(prov.Callback.Responses))-1]
	args := map[string]any{"providerName": name}
	if prov.Name == "" && d.bug == bugDefaultName {
		args["providerName"] = ""
	}
	if d.bug != bugNoSessionID {
		args["sessionId"] = s.id
	}
	argsJSON, _ := json.Marshal(args)
	inv := driver.Invocation{Callback: lbl, Args: argsJSON, StartedAt: time.Now()}
	time.Sleep(time.Duration(r.DelayMs) * time.Millisecond / refDelayScale)
	inv.EndedAt = time.Now()
	var tok string
	if r.Error != nil {
		inv.Error = r.Error
	} else {
		tok = strings.ReplaceAll(*r.Token, "{n}", fmt.Sprint(n))
		returned := tok
		inv.Token = &returned
	}
	d.mu.Lock()
	d.invs = append(d.invs, inv)
	d.cache[lbl] = tok
	d.mu.Unlock()
	switch {
	case r.Error != nil && d.bug == bugFailAsToken:
		return map[string]string{"token": ""}, nil
	case r.Error != nil:
		return nil, &jsonrpc2.Error{Code: -32603, Message: *r.Error}
	case d.bug == bugCutSlow && r.DelayMs >= 1000:
		return nil, &jsonrpc2.Error{Code: -32603, Message: "callback timed out"}
	case d.bug == bugBearerPrefix:
		tok = "Bearer " + tok
	case d.bug == bugTruncateLong && len(tok) > 10<<10 && live >= 2:
		tok = tok[:10<<10]
	case d.bug == bugAnswerTwice:
		_ = conn.Reply(ctx, req.ID, map[string]string{"token": tok})
	}
	return map[string]string{"token": tok}, nil
}
