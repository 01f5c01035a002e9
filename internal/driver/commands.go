package driver

import (
	"context"
	"time"
)

// Hello asks the driver to describe itself.
func (d *Driver) Hello(ctx context.Context) (Hello, error) {
	var h Hello
	err := d.Call(ctx, "hello", nil, &h)
	return h, err
}

// Connect makes the SDK connect to the runtime at addr (host:port): over
// TCP, or, when stdioShim is set, over stdio to that shim, which relays to
// addr.
func (d *Driver) Connect(ctx context.Context, addr, stdioShim string) error {
	fields := map[string]string{"runtimeAddress": addr}
	if stdioShim != "" {
		fields["transport"], fields["stdioShim"] = "stdio", stdioShim
	}
	return d.Call(ctx, "connect", fields, nil)
}

// CreateSession creates a session and returns its id.
func (d *Driver) CreateSession(ctx context.Context, spec SessionSpec) (string, error) {
	var res struct {
		SessionID string `json:"sessionId"`
	}
	err := d.Call(ctx, "createSession", spec, &res)
	return res.SessionID, err
}

// ResumeSession resumes spec.SessionID with spec's providers and returns
// the session id the SDK reports.
func (d *Driver) ResumeSession(ctx context.Context, spec SessionSpec) (string, error) {
	var res struct {
		SessionID string `json:"sessionId"`
	}
	err := d.Call(ctx, "resumeSession", spec, &res)
	return res.SessionID, err
}

// TurnMargin is how much longer the driver's own wait for a turn (send's
// timeoutMs) lasts than the suite's. The suite's deadline therefore always
// fires first: a turn that runs out of time ends as a *NoAnswerError, never
// as an SDK timeout error that would look like the turn's reported error.
const TurnMargin = 10 * time.Second

// Send sends a prompt in session ref and waits at most timeout for the turn
// to end. The driver is told to wait timeout+TurnMargin, so when the turn
// hangs the call fails with *NoAnswerError (and the driver, whose answer
// can no longer be lined up, is broken: the scenario is over anyway).
func (d *Driver) Send(ctx context.Context, ref, prompt string, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var res struct {
		Reply string `json:"reply"`
	}
	err := d.Call(ctx, "send", map[string]any{"ref": ref, "prompt": prompt, "timeoutMs": (timeout + TurnMargin).Milliseconds()}, &res)
	return res.Reply, err
}

// Turn is how one turn of SendAll ended: its reply, or the SDK's error.
type Turn struct {
	Ref   string  `json:"ref"`
	Reply string  `json:"reply"`
	Error *string `json:"error,omitempty"`
}

// SendAll sends a prompt in each session of refs at once (the driver
// starts every turn before it waits for any) and waits at most timeout
// for all of them to end, like Send. A turn's SDK error is in its Turn.
func (d *Driver) SendAll(ctx context.Context, refs []string, prompt string, timeout time.Duration) ([]Turn, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var res struct {
		Turns []Turn `json:"turns"`
	}
	err := d.Call(ctx, "sendAll", map[string]any{"refs": refs, "prompt": prompt, "timeoutMs": (timeout + TurnMargin).Milliseconds()}, &res)
	return res.Turns, err
}

// Invocations returns every callback invocation so far.
func (d *Driver) Invocations(ctx context.Context) ([]Invocation, error) {
	var res struct {
		Invocations []Invocation `json:"invocations"`
	}
	err := d.Call(ctx, "invocations", nil, &res)
	return res.Invocations, err
}

// ToolInvocations returns every call of a client tool so far, in call
// order (capability tools).
func (d *Driver) ToolInvocations(ctx context.Context) ([]ToolInvocation, error) {
	var res struct {
		ToolInvocations []ToolInvocation `json:"toolInvocations"`
	}
	err := d.Call(ctx, "invocations", nil, &res)
	return res.ToolInvocations, err
}

// DisconnectSession disconnects one session, leaving the client connected.
func (d *Driver) DisconnectSession(ctx context.Context, ref string) error {
	return d.Call(ctx, "disconnectSession", map[string]string{"ref": ref}, nil)
}

// Disconnect stops the SDK client.
func (d *Driver) Disconnect(ctx context.Context) error {
	return d.Call(ctx, "disconnect", nil, nil)
}
