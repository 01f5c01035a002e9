// Package driver talks to an SDK's driver program over the JSON-lines
// protocol of drivers/PROTOCOL.md, and runs it as a local child process.
package driver

import (
	"encoding/json"
	"fmt"
	"time"
)

// Hello is the driver's self-description.
type Hello struct {
	SDK           string   `json:"sdk"`
	SDKVersion    string   `json:"sdkVersion"`
	Language      string   `json:"language"`
	Generation    int      `json:"generation"`
	CallbackField string   `json:"callbackField"`
	Capabilities  []string `json:"capabilities"`
}

// Capabilities are the optional parts of the protocol a driver may declare
// in its hello (PROTOCOL.md). A scenario that needs one carries the tag
// @needs-<capability>; without the declaration it is not applicable.
var Capabilities = []string{
	"providers",         // named providers (rules BT-1, BT-2, BT-5 need them: every driver must have them)
	"resume",            // resumeSession
	"syncCallback",      // callback.style "sync", responses without delayMs
	"asyncCallback",     // callback.style "async"
	"disconnectSession", // the disconnectSession command
	"stdio",             // connect over the SDK's stdio transport
	"nullReturn",        // a callback response {"value": null}
	"rawReturn",         // a callback response {"value": <any JSON>}
	"addProviders",      // the addProviders command (session.provider.add)
	"concurrentSend",    // the sendAll command (turns in several sessions at once)
	"tools",             // createSession/resumeSession "tools", registered with the SDK's own tool API
}

// Has reports whether the driver declared a capability.
func (h Hello) Has(capability string) bool {
	for _, c := range h.Capabilities {
		if c == capability {
			return true
		}
	}
	return false
}

// Provider is a provider object of createSession / resumeSession.
type Provider struct {
	Name        string            `json:"name,omitempty"`
	Type        string            `json:"type,omitempty"`
	WireAPI     string            `json:"wireApi,omitempty"`
	BaseURL     string            `json:"baseUrl,omitempty"`
	APIKey      string            `json:"apiKey,omitempty"`
	BearerToken string            `json:"bearerToken,omitempty"`
	Headers     map[string]string `json:"headers,omitempty"`
	Callback    *Callback         `json:"callback,omitempty"`
}

// Callback is a callback behaviour (PROTOCOL.md, "Callback behaviour").
type Callback struct {
	Responses []Response `json:"responses"`
	Scope     string     `json:"scope,omitempty"`
	Style     string     `json:"style,omitempty"`
}

// Response is what one invocation of a callback does.
type Response struct {
	Token   *string          `json:"token,omitempty"`
	Error   *string          `json:"error,omitempty"`
	Value   *json.RawMessage `json:"value,omitempty"` // a non-string return (capability rawReturn)
	DelayMs int              `json:"delayMs,omitempty"`
}

// Tokens is a callback that returns the given tokens in turn ("{n}" is the
// invocation number), the last one again once they are used up.
func Tokens(tokens ...string) *Callback {
	c := &Callback{}
	for _, t := range tokens {
		c.Responses = append(c.Responses, Response{Token: &t})
	}
	return c
}

// SetDelay makes every response of the callback wait ms first.
func (c *Callback) SetDelay(ms int) {
	for i := range c.Responses {
		c.Responses[i].DelayMs = ms
	}
}

// ModelSpec is an entry of createSession's "models".
type ModelSpec struct {
	ID        string `json:"id"`
	Provider  string `json:"provider"`
	WireModel string `json:"wireModel"`
}

// SessionSpec is the body of createSession and resumeSession.
type SessionSpec struct {
	Ref       string      `json:"ref"`
	SessionID string      `json:"sessionId,omitempty"` // resumeSession only
	Model     string      `json:"model"`
	Provider  *Provider   `json:"provider,omitempty"`
	Providers []Provider  `json:"providers,omitempty"`
	Models    []ModelSpec `json:"models,omitempty"`
	Tools     []Tool      `json:"tools,omitempty"` // capability tools
}

// Tool is a client tool the driver registers with its SDK's own tool API
// (PROTOCOL.md, "tools"). Its handler returns Result with "{n}" replaced by
// the count of that tool's invocations in the session so far.
type Tool struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Result      string `json:"result"`
}

// ToolInvocation is one call of a client tool as the driver recorded it.
type ToolInvocation struct {
	Ref       string          `json:"ref"`
	Tool      string          `json:"tool"`
	N         int             `json:"n"`
	Arguments json.RawMessage `json:"arguments"`
}

// Invocation is one callback call as the driver recorded it.
type Invocation struct {
	Callback  string          `json:"callback"`
	Args      json.RawMessage `json:"args"`
	Token     *string         `json:"token,omitempty"`
	Error     *string         `json:"error,omitempty"`
	Value     json.RawMessage `json:"value,omitempty"`
	StartedAt time.Time       `json:"startedAt"`
	EndedAt   time.Time       `json:"endedAt"`
}

// Arg returns one argument the callback received, and whether it was there.
func (i Invocation) Arg(name string) (any, bool) {
	var args map[string]any
	if json.Unmarshal(i.Args, &args) != nil {
		return nil, false
	}
	v, ok := args[name]
	return v, ok
}

// String renders the invocation for a failure message.
func (i Invocation) String() string {
	out := fmt.Sprintf("%s(%s)", i.Callback, i.Args)
	if i.Token != nil {
		return out + fmt.Sprintf(" -> %q", *i.Token)
	}
	if i.Error != nil {
		return out + fmt.Sprintf(" -> error %q", *i.Error)
	}
	if i.Value != nil {
		return out + " -> value " + string(i.Value)
	}
	return out + " -> nothing"
}

// Error is an answer with ok: false.
type Error struct {
	Command string
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("driver answered %s with a %s error: %s", e.Command, e.Kind, e.Message)
}

// Error kinds (PROTOCOL.md).
const (
	KindProtocol    = "protocol"
	KindUnsupported = "unsupported"
	KindSDK         = "sdk"
)

type answer struct {
	ID     *int            `json:"id"`
	OK     *bool           `json:"ok"`
	Result json.RawMessage `json:"result"`
	Error  *Error          `json:"error"`
}
