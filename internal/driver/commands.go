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

// Send sends a prompt in session ref and waits for the turn to end; the
// driver gets timeout for the turn and the call a little more, so that the
// SDK's own timeout error wins over the suite's.
func (d *Driver) Send(ctx context.Context, ref, prompt string, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout+5*time.Second)
	defer cancel()
	var res struct {
		Reply string `json:"reply"`
	}
	err := d.Call(ctx, "send", map[string]any{"ref": ref, "prompt": prompt, "timeoutMs": timeout.Milliseconds()}, &res)
	return res.Reply, err
}

// Invocations returns every callback invocation so far.
func (d *Driver) Invocations(ctx context.Context) ([]Invocation, error) {
	var res struct {
		Invocations []Invocation `json:"invocations"`
	}
	err := d.Call(ctx, "invocations", nil, &res)
	return res.Invocations, err
}

// DisconnectSession disconnects one session, leaving the client connected.
func (d *Driver) DisconnectSession(ctx context.Context, ref string) error {
	return d.Call(ctx, "disconnectSession", map[string]string{"ref": ref}, nil)
}

// Disconnect stops the SDK client.
func (d *Driver) Disconnect(ctx context.Context) error {
	return d.Call(ctx, "disconnect", nil, nil)
}
