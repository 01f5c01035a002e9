package fakeruntime

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sourcegraph/jsonrpc2"
)

// DefaultProviderName is the name the runtime gives the singular provider
// when it asks for its token (CONTRACT.md, BT-4).
const DefaultProviderName = "default"

// Session is what the runtime knows of one session: the config the SDK
// sent in session.create (or the latest session.resume).
type Session struct {
	ID        string
	Model     string
	Provider  *Provider   // the singular provider, if any
	Providers []Provider  // named providers, if any
	Models    []ModelSpec // named providers' models
	Tools     []ToolSpec  // client tools the SDK declared

	conn *jsonrpc2.Conn
}

// Provider is a provider object as the SDK sent it.
type Provider struct {
	Name                   string            `json:"name"`
	Type                   string            `json:"type"`
	BaseURL                string            `json:"baseUrl"`
	WireAPI                string            `json:"wireApi"`
	APIKey                 string            `json:"apiKey"`
	BearerToken            string            `json:"bearerToken"`
	Headers                map[string]string `json:"headers"`
	WireModel              string            `json:"wireModel"`
	HasBearerTokenProvider bool              `json:"hasBearerTokenProvider"`
}

// ModelSpec is an entry of session.create's "models".
type ModelSpec struct {
	ID        string `json:"id"`
	Provider  string `json:"provider"`
	WireModel string `json:"wireModel"`
}

// sessionParams is the part of session.create / session.resume the fake
// runtime uses; the wire log keeps the rest.
type sessionParams struct {
	SessionID string      `json:"sessionId"`
	Model     string      `json:"model"`
	Provider  *Provider   `json:"provider"`
	Providers []Provider  `json:"providers"`
	Models    []ModelSpec `json:"models"`
	Tools     []ToolSpec  `json:"tools"`
}

func (p sessionParams) session(id string, conn *jsonrpc2.Conn) *Session {
	return &Session{ID: id, Model: p.Model, Provider: p.Provider, Providers: p.Providers, Models: p.Models, Tools: p.Tools, conn: conn}
}

// route is where one model request of a turn goes.
type route struct {
	providerName string // as the runtime names it in providerToken.getToken
	provider     Provider
	wireModel    string
}

// routeForModel picks the provider that serves the session's model, the way
// the real runtime does: the singular provider serves everything; with named
// providers the model is "<provider>/<model id>".
func (s *Session) routeForModel() (route, error) {
	if s.Provider != nil {
		wire := s.Provider.WireModel
		if wire == "" {
			wire = s.Model
		}
		return route{providerName: DefaultProviderName, provider: *s.Provider, wireModel: wire}, nil
	}
	if len(s.Providers) == 0 {
		return route{}, fmt.Errorf("session %s has no BYOK provider; the fake runtime serves BYOK sessions only", s.ID)
	}
	providerName, modelID, ok := strings.Cut(s.Model, "/")
	if !ok {
		return route{}, fmt.Errorf("model %q of session %s is not <provider>/<model id>", s.Model, s.ID)
	}
	for _, p := range s.Providers {
		if p.Name != providerName {
			continue
		}
		wire := modelID
		for _, m := range s.Models {
			if m.Provider == providerName && m.ID == modelID && m.WireModel != "" {
				wire = m.WireModel
			}
		}
		return route{providerName: p.Name, provider: p, wireModel: wire}, nil
	}
	return route{}, fmt.Errorf("model %q names provider %q, which session %s does not have", s.Model, providerName, s.ID)
}

// Session returns a copy of what the runtime knows of a session.
func (r *Runtime) Session(id string) (Session, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.sessions[id]
	if !ok {
		return Session{}, false
	}
	return *s, true
}

func decodeParams(req *jsonrpc2.Request, v any) *jsonrpc2.Error {
	if req.Params == nil {
		return rpcError(jsonrpc2.CodeInvalidParams, "%s: missing params", req.Method)
	}
	if err := json.Unmarshal(*req.Params, v); err != nil {
		return rpcError(jsonrpc2.CodeInvalidParams, "%s: bad params: %v", req.Method, err)
	}
	return nil
}
