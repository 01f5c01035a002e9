// Command driver is the conformance suite's driver for the Go Copilot SDK: it
// reads JSON-line commands on stdin, performs them with the SDK and answers
// on stdout, as drivers/PROTOCOL.md specifies. It holds no test logic.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"reflect"
	"runtime/debug"
	"strings"
	"sync"
	"time"
	"unicode"

	copilot "github.com/github/copilot-sdk/go"
)

// The SDK's callback spelling per contract generation: GetBearerToken
// (v1.0.4, arguments without SessionID) and BearerTokenProvider (later).
// The field is found by reflection on the SDK's ProviderConfig, so this one
// source builds against either generation, and the generation the driver
// reports is the one the SDK it was built against declares, as the Node,
// Python and Java drivers do.
var generations = map[string]int{"GetBearerToken": 1, "BearerTokenProvider": 2}

// callbackField is the field of ProviderConfig and NamedProviderConfig
// that takes the callback, and generation its contract generation.
var callbackField, generation = func() (string, int) {
	for field, gen := range generations {
		if _, ok := reflect.TypeFor[copilot.ProviderConfig]().FieldByName(field); ok {
			return field, gen
		}
	}
	return "", 0 // hello then reports generation 0, which the suite refuses
}()

// tokenFunc is a callback as the driver writes it; setSingular and
// setNamed wrap it in the SDK's func type.
type tokenFunc = func(args any) (string, error)

func setSingular(p *copilot.ProviderConfig, f tokenFunc) {
	reflect.ValueOf(p).Elem().FieldByName(callbackField).Set(sdkCallback(f))
}
func setNamed(p *copilot.NamedProviderConfig, f tokenFunc) {
	reflect.ValueOf(p).Elem().FieldByName(callbackField).Set(sdkCallback(f))
}

// sdkCallback makes a func of the callback field's type,
// func(ProviderTokenArgs) (string, error), that calls f with the
// arguments.
func sdkCallback(f tokenFunc) reflect.Value {
	field, _ := reflect.TypeFor[copilot.ProviderConfig]().FieldByName(callbackField)
	return reflect.MakeFunc(field.Type, func(in []reflect.Value) []reflect.Value {
		token, err := f(in[0].Interface())
		errValue := reflect.Zero(reflect.TypeFor[error]())
		if err != nil {
			errValue = reflect.ValueOf(&err).Elem()
		}
		return []reflect.Value{reflect.ValueOf(token), errValue}
	})
}

const sdkModule = "github.com/github/copilot-sdk/go"

// protocolNames maps the SDK's argument fields to the protocol's names; any
// other field is reported under its own (lowerCamel) name, so a field a
// future SDK adds shows up without a driver change.
var protocolNames = map[string]string{"ProviderName": "providerName", "SessionID": "sessionId"}

// stampLayout is RFC 3339 with fixed nanoseconds: RFC3339Nano drops a zero
// fraction, and the protocol wants at least milliseconds.
const stampLayout = "2006-01-02T15:04:05.000000000Z07:00"

type command struct {
	ID             *int64            `json:"id"`
	Cmd            string            `json:"cmd"`
	RuntimeAddress string            `json:"runtimeAddress"`
	Transport      string            `json:"transport"`
	StdioShim      string            `json:"stdioShim"`
	Ref            string            `json:"ref"`
	Refs           []string          `json:"refs"`
	Model          string            `json:"model"`
	SessionID      string            `json:"sessionId"`
	Prompt         string            `json:"prompt"`
	TimeoutMs      int64             `json:"timeoutMs"`
	Provider       json.RawMessage   `json:"provider"`
	Providers      []json.RawMessage `json:"providers"`
	Models         json.RawMessage   `json:"models"`
	Tools          json.RawMessage   `json:"tools"`
}

// toolSpec is one tool of createSession/resumeSession (PROTOCOL.md,
// capability "tools"), decoded strictly like a provider.
type toolSpec struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Result      string `json:"result"`
}

// toolParameters is the JSON schema every tool of the protocol takes.
func toolParameters() map[string]any {
	return map[string]any{"type": "object", "properties": map[string]any{"query": map[string]any{"type": "string"}}}
}

type toolInvocation struct {
	Ref       string `json:"ref"`
	Tool      string `json:"tool"`
	N         int    `json:"n"`
	Arguments any    `json:"arguments"`
}

// providerSpec holds exactly the provider fields of the protocol; it is
// decoded strictly so that a field the driver does not know is an error
// rather than silently lost.
type providerSpec struct {
	Name        string            `json:"name"`
	Type        string            `json:"type"`
	WireAPI     string            `json:"wireApi"`
	BaseURL     string            `json:"baseUrl"`
	APIKey      string            `json:"apiKey"`
	BearerToken string            `json:"bearerToken"`
	Headers     map[string]string `json:"headers"`
	Callback    *struct {
		Responses []struct {
			Token   *string         `json:"token"`
			Error   *string         `json:"error"`
			Value   json.RawMessage `json:"value"` // a non-string return ("null" too): Go's callback type rules it out
			DelayMs int64           `json:"delayMs"`
		} `json:"responses"`
		Scope string  `json:"scope"` // held only by the callback's closure
		Style *string `json:"style"`
	} `json:"callback"`
}

type failure struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

func (f *failure) Error() string { return f.Message }

func protocolErr(format string, a ...any) error {
	return &failure{"protocol", fmt.Sprintf(format, a...)}
}

type invocation struct {
	Callback  string         `json:"callback"`
	Args      map[string]any `json:"args"`
	Token     *string        `json:"token,omitempty"`
	Error     *string        `json:"error,omitempty"`
	StartedAt string         `json:"startedAt"`
	EndedAt   string         `json:"endedAt,omitempty"` // absent while still running
}

type driver struct {
	client   *copilot.Client
	sessions map[string]*copilot.Session

	mu              sync.Mutex // guards invocations and toolInvocations; callbacks and tools run on SDK goroutines
	invocations     []*invocation
	toolInvocations []toolInvocation
}

func main() {
	// Only answers may reach stdout: keep it privately and send anything
	// else that writes to os.Stdout (the SDK included) to stderr.
	answers := os.Stdout
	os.Stdout = os.Stderr
	log.SetOutput(os.Stderr)

	lines := make(chan []byte)
	go func() {
		in := bufio.NewReader(os.Stdin)
		for {
			line, err := in.ReadBytes('\n')
			if len(bytes.TrimSpace(line)) > 0 {
				lines <- line
			}
			if err != nil {
				if err != io.EOF {
					log.Printf("reading stdin: %v", err)
				}
				close(lines)
				// A command still in flight must not keep us alive.
				time.AfterFunc(time.Second, func() { os.Exit(0) })
				return
			}
		}
	}()

	d := &driver{sessions: map[string]*copilot.Session{}}
	for line := range lines {
		id, result, err := d.handle(line)
		ans := map[string]any{"id": id, "ok": err == nil}
		if err != nil {
			var f *failure
			if !errors.As(err, &f) {
				f = &failure{"sdk", err.Error()}
			}
			ans["error"] = f
		} else {
			ans["result"] = result
		}
		// RS before each answer marks it as protocol (PROTOCOL.md,
		// "Framing"); one write, so no other output lands inside it.
		line := bytes.NewBuffer([]byte{0x1e})
		enc := json.NewEncoder(line)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(ans); err != nil {
			log.Fatalf("encoding answer: %v", err)
		}
		if _, err := answers.Write(line.Bytes()); err != nil {
			log.Fatalf("writing answer: %v", err)
		}
		if _, ok := result.(stopped); ok {
			break
		}
	}
	d.stopClient()
}

// stopped is the result of stop: it answers {} and ends the driver.
type stopped struct{}

func (d *driver) handle(line []byte) (id *int64, result any, err error) {
	var c command
	if err := json.Unmarshal(line, &c); err != nil {
		// Echo the id only if it is itself well-formed.
		var only struct {
			ID *int64 `json:"id"`
		}
		if json.Unmarshal(line, &only) != nil {
			only.ID = nil
		}
		return only.ID, nil, protocolErr("bad command: %v", err)
	}
	if c.ID == nil {
		return nil, nil, protocolErr("command has no id")
	}
	// The SDK panics on some bad input (e.g. an unparsable address).
	defer func() {
		if r := recover(); r != nil {
			id, result, err = c.ID, nil, &failure{"sdk", fmt.Sprint(r)}
		}
	}()
	switch c.Cmd {
	case "hello":
		return c.ID, map[string]any{"sdk": "go", "sdkVersion": sdkVersion(), "language": "go",
			"generation": generation, "callbackField": callbackField,
			"capabilities": []string{"providers", "resume", "disconnectSession", "stdio", "concurrentSend", "tools"}}, nil
	case "connect":
		return c.ID, struct{}{}, d.connect(c)
	case "createSession", "resumeSession":
		id, err := d.session(c)
		return c.ID, map[string]string{"sessionId": id}, err
	case "send":
		reply, err := d.send(c)
		return c.ID, map[string]string{"reply": reply}, err
	case "sendAll":
		turns, err := d.sendAll(c)
		return c.ID, map[string]any{"turns": turns}, err
	case "invocations":
		d.mu.Lock()
		defer d.mu.Unlock()
		list := make([]invocation, len(d.invocations))
		for i, inv := range d.invocations {
			list[i] = *inv
		}
		tools := append([]toolInvocation{}, d.toolInvocations...)
		return c.ID, map[string]any{"invocations": list, "toolInvocations": tools}, nil
	case "disconnectSession":
		s, ok := d.sessions[c.Ref]
		if !ok {
			return c.ID, nil, protocolErr("unknown session ref %q", c.Ref)
		}
		delete(d.sessions, c.Ref)
		return c.ID, struct{}{}, s.Disconnect()
	case "disconnect":
		return c.ID, struct{}{}, d.stopClient()
	case "stop":
		return c.ID, stopped{}, nil
	}
	return c.ID, nil, protocolErr("unknown cmd %q", c.Cmd)
}

func (d *driver) connect(c command) error {
	addr := c.RuntimeAddress
	if addr == "" {
		return protocolErr("connect needs runtimeAddress")
	}
	if d.client != nil {
		return protocolErr("already connected")
	}
	var conn copilot.RuntimeConnection = copilot.URIConnection{URL: addr}
	if c.Transport == "stdio" {
		// The SDK spawns the suite's shim as its runtime (PROTOCOL.md).
		conn = copilot.StdioConnection{Path: c.StdioShim, Args: []string{"--connect", addr}}
	}
	client := copilot.NewClient(&copilot.ClientOptions{Connection: conn})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := client.Start(ctx); err != nil {
		return err
	}
	d.client = client
	return nil
}

// stopClient stops the SDK client, bounded so that exiting stays prompt.
func (d *driver) stopClient() error {
	if d.client == nil {
		return nil
	}
	client := d.client
	d.client, d.sessions = nil, map[string]*copilot.Session{}
	done := make(chan error, 1)
	go func() { done <- client.Stop() }()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Second):
		return errors.New("client.Stop did not return within 1s")
	}
}

func (d *driver) session(c command) (string, error) {
	resume := c.Cmd == "resumeSession"
	switch {
	case c.Ref == "" || c.Model == "":
		return "", protocolErr("%s needs ref and model", c.Cmd)
	case resume && c.SessionID == "":
		return "", protocolErr("resumeSession needs sessionId")
	case d.client == nil:
		return "", protocolErr("%s before connect", c.Cmd)
	}
	var provider *copilot.ProviderConfig
	var providers []copilot.NamedProviderConfig
	var models []copilot.ProviderModelConfig
	if c.Provider != nil {
		p, f, err := d.provider(c.Ref, c.Provider, false)
		if err != nil {
			return "", err
		}
		provider = &copilot.ProviderConfig{Type: p.Type, WireAPI: p.WireAPI, BaseURL: p.BaseURL,
			APIKey: p.APIKey, BearerToken: p.BearerToken, Headers: p.Headers}
		if f != nil {
			setSingular(provider, f)
		}
	}
	for _, raw := range c.Providers {
		p, f, err := d.provider(c.Ref, raw, true)
		if err != nil {
			return "", err
		}
		named := copilot.NamedProviderConfig{Name: p.Name, Type: p.Type, WireAPI: p.WireAPI,
			BaseURL: p.BaseURL, APIKey: p.APIKey, BearerToken: p.BearerToken, Headers: p.Headers}
		if f != nil {
			setNamed(&named, f)
		}
		providers = append(providers, named)
	}
	// Model entries ({id, provider, wireModel}) are the SDK's own JSON shape.
	if c.Models != nil {
		if err := decodeStrict("models", c.Models, &models); err != nil {
			return "", err
		}
	}

	tools, err := d.tools(c.Ref, c.Tools)
	if err != nil {
		return "", err
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var s *copilot.Session
	if resume {
		s, err = d.client.ResumeSession(ctx, c.SessionID, &copilot.ResumeSessionConfig{Model: c.Model,
			Provider: provider, Providers: providers, Models: models, Tools: tools,
			OnPermissionRequest: copilot.PermissionHandler.ApproveAll})
	} else {
		s, err = d.client.CreateSession(ctx, &copilot.SessionConfig{Model: c.Model,
			Provider: provider, Providers: providers, Models: models, Tools: tools,
			OnPermissionRequest: copilot.PermissionHandler.ApproveAll})
	}
	if err != nil {
		return "", err
	}
	d.sessions[c.Ref] = s
	return s.SessionID, nil
}

func decodeStrict(what string, raw json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return protocolErr("bad %s: %v", what, err)
	}
	return nil
}

// provider decodes one provider object and builds its callback, if it has
// one; invocations are labelled <ref>/singular or <ref>/<name>.
func (d *driver) provider(ref string, raw json.RawMessage, named bool) (providerSpec, tokenFunc, error) {
	var p providerSpec
	label := ref + "/singular"
	switch err := decodeStrict("provider", raw, &p); {
	case err != nil:
		return p, nil, err
	case named && p.Name == "":
		return p, nil, protocolErr("a named provider needs a name")
	case !named && p.Name != "":
		return p, nil, protocolErr("the singular provider takes no name")
	case named:
		label = ref + "/" + p.Name
	}
	cb := p.Callback
	switch {
	case cb == nil:
		return p, nil, nil
	case cb.Style != nil:
		return p, nil, &failure{"unsupported", "the Go SDK has a single callback style (a plain func); callback.style is not supported"}
	case len(cb.Responses) == 0:
		return p, nil, protocolErr("callback.responses must not be empty")
	}
	for _, r := range cb.Responses {
		if len(r.Value) > 0 {
			return p, nil, &failure{"unsupported", "a Go BearerTokenProvider returns (string, error): it cannot return a non-string value"}
		}
		if (r.Token == nil) == (r.Error == nil) {
			return p, nil, protocolErr("each callback response needs exactly one of token and error")
		}
	}
	calls := 0 // guarded by d.mu
	return p, func(args any) (string, error) {
		d.mu.Lock()
		calls++
		n := calls
		inv := &invocation{Callback: label, Args: argsObject(args), StartedAt: time.Now().UTC().Format(stampLayout)}
		d.invocations = append(d.invocations, inv)
		d.mu.Unlock()

		r := cb.Responses[min(n, len(cb.Responses))-1]
		// Sleeping blocks only this goroutine: the SDK serves each runtime
		// request on a goroutine of its own.
		time.Sleep(time.Duration(r.DelayMs) * time.Millisecond)

		d.mu.Lock()
		defer d.mu.Unlock()
		inv.EndedAt = time.Now().UTC().Format(stampLayout)
		if r.Error != nil {
			inv.Error = r.Error
			return "", errors.New(*r.Error)
		}
		token := strings.ReplaceAll(*r.Token, "{n}", fmt.Sprint(n))
		inv.Token = &token
		return token, nil
	}, nil
}

// tools builds the session's tools with the SDK's DefineTool, each
// answering its result with {n} the count of invocations of that tool
// under this ref so far (a resume under the same ref counts on), and
// recording every invocation. The handler takes the arguments as a map, so
// that whatever object the model sends reaches it (a struct would fail on
// an argument of another type before the handler could record it); the
// schema is then the protocol's own, the same in every driver, not the one
// DefineTool derives from that map.
func (d *driver) tools(ref string, raw json.RawMessage) ([]copilot.Tool, error) {
	if raw == nil {
		return nil, nil
	}
	var specs []toolSpec
	if err := decodeStrict("tools", raw, &specs); err != nil {
		return nil, err
	}
	tools := make([]copilot.Tool, 0, len(specs))
	for _, spec := range specs {
		tool := copilot.DefineTool(spec.Name, spec.Description,
			func(_ map[string]any, inv copilot.ToolInvocation) (string, error) {
				d.mu.Lock()
				defer d.mu.Unlock()
				n := 1
				for _, t := range d.toolInvocations {
					if t.Ref == ref && t.Tool == spec.Name {
						n++
					}
				}
				d.toolInvocations = append(d.toolInvocations,
					toolInvocation{Ref: ref, Tool: spec.Name, N: n, Arguments: inv.Arguments})
				return strings.ReplaceAll(spec.Result, "{n}", fmt.Sprint(n)), nil
			})
		tool.Parameters = toolParameters()
		tools = append(tools, tool)
	}
	return tools, nil
}

// argsObject reports every exported field of the SDK's argument struct.
func argsObject(args any) map[string]any {
	v := reflect.ValueOf(args)
	out := map[string]any{}
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		if !f.IsExported() {
			continue
		}
		name, ok := protocolNames[f.Name]
		if !ok {
			name = lowerCamel(f.Name)
		}
		out[name] = v.Field(i).Interface()
	}
	return out
}

// lowerCamel turns a Go field name into the usual JSON spelling:
// TenantID -> tenantId, URLPath -> urlPath, Scope -> scope.
func lowerCamel(s string) string {
	if strings.HasSuffix(s, "ID") {
		s = s[:len(s)-1] + "d"
	}
	r := []rune(s)
	for i := 0; i < len(r) && unicode.IsUpper(r[i]); i++ {
		if i > 0 && i+1 < len(r) && unicode.IsLower(r[i+1]) {
			break
		}
		r[i] = unicode.ToLower(r[i])
	}
	return string(r)
}

func (d *driver) send(c command) (string, error) {
	s, ok := d.sessions[c.Ref]
	if !ok {
		return "", protocolErr("unknown session ref %q", c.Ref)
	}
	if c.Prompt == "" {
		return "", protocolErr("send needs prompt")
	}
	return turn(s, c.Prompt, c.TimeoutMs)
}

// turnResult is one turn of sendAll: its reply, or the SDK's error.
type turnResult struct {
	Ref   string  `json:"ref"`
	Reply string  `json:"reply"`
	Error *string `json:"error,omitempty"`
}

// sendAll starts a turn in each session before it waits for any; a
// turn's SDK error is its entry's, not the command's.
func (d *driver) sendAll(c command) ([]turnResult, error) {
	if c.Prompt == "" || len(c.Refs) == 0 {
		return nil, protocolErr("sendAll needs prompt and refs")
	}
	sessions := make([]*copilot.Session, len(c.Refs))
	for i, ref := range c.Refs {
		s, ok := d.sessions[ref]
		if !ok {
			return nil, protocolErr("unknown session ref %q", ref)
		}
		sessions[i] = s
	}
	out := make([]turnResult, len(c.Refs))
	var wg sync.WaitGroup
	for i, s := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reply, err := turn(s, c.Prompt, c.TimeoutMs)
			out[i] = turnResult{Ref: c.Refs[i], Reply: reply}
			if err != nil {
				msg := err.Error()
				out[i].Error = &msg
			}
		}()
	}
	wg.Wait()
	return out, nil
}

// turn sends a prompt in a session and waits for the turn's end.
func turn(s *copilot.Session, prompt string, timeoutMs int64) (string, error) {
	timeout := 60 * time.Second
	if timeoutMs > 0 {
		timeout = time.Duration(timeoutMs) * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	// SendAndWait returns on session.error, before the turn's session.idle
	// arrives; a send right after could then take that stale idle for its
	// own end. So a failed turn is over only once its idle has been seen.
	idle := make(chan struct{}, 1)
	unsubscribe := s.On(func(e copilot.SessionEvent) {
		if _, ok := e.Data.(*copilot.SessionIdleData); ok {
			select {
			case idle <- struct{}{}:
			default:
			}
		}
	})
	defer unsubscribe()
	ev, err := s.SendAndWait(ctx, copilot.MessageOptions{Prompt: prompt})
	if err != nil {
		select {
		case <-idle:
		case <-time.After(5 * time.Second):
		}
		return "", err
	}
	if ev == nil {
		return "", nil
	}
	if m, ok := ev.Data.(*copilot.AssistantMessageData); ok {
		return m.Content, nil
	}
	return "", nil
}

// sdkVersion reports the SDK module this binary was built with: its
// version from the registry, or where a replace or go.work took it from.
func sdkVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown: no build info)"
	}
	for _, m := range info.Deps {
		if m.Path != sdkModule {
			continue
		}
		if r := m.Replace; r != nil {
			if r.Version != "" {
				return strings.TrimPrefix(r.Version, "v")
			}
			return "(local) " + r.Path
		}
		// "(devel)" when a go.work supplies the module; otherwise the
		// release, spelt as the other SDKs spell it.
		return strings.TrimPrefix(m.Version, "v")
	}
	return "(unknown: " + sdkModule + " not in build info)"
}
