// Package explore is the contract explorer: it generates random workloads
// from a model of the bearer-token contract (sessions created, resumed and
// disconnected; singular and named providers with and without callbacks
// and static credentials; token requests one at a time, in bursts and
// across sessions; callbacks returning tokens of random size and alphabet,
// failing some times in a row, or taking their time), runs each through
// the driver protocol against the fake runtime, checks every rule's
// invariant as it goes, and shrinks a workload that breaks one to a small
// scenario printed in the features' own step phrases.
//
// Generation and shrinking are the package's own (seeded math/rand/v2 and
// a greedy structural shrinker) rather than pgregory.net/rapid: every test
// case here starts a real SDK driver and takes seconds, while rapid's
// shrinker minimises the random byte stream behind a value and needs
// hundreds of re-runs of the property to do it; removing whole steps,
// sessions and providers and halving sizes reaches a small scenario in a
// few dozen runs. rapid also needs a testing.TB and takes its seed from
// go test's flags, where make explore is a command with a wall-time budget.
package explore

import (
	"fmt"
	"strings"
)

// Workload is one generated scenario: the steps, in order, and the seed
// that generated it (Generate(Seed, ...) gives it again).
type Workload struct {
	Seed  uint64
	Steps []Step
}

// Kind is what one step does.
type Kind string

const (
	Create     Kind = "create"     // createSession
	Resume     Kind = "resume"     // resumeSession of session From, as Ref
	Disconnect Kind = "disconnect" // disconnectSession
	Ask        Kind = "ask"        // token requests one after the other
	Burst      Kind = "burst"      // token requests all at once
	AskUnknown Kind = "askUnknown" // a token request naming a session the SDK never had
)

// Step is one thing the workload does.
type Step struct {
	Kind Kind
	Ref  string // the session (Create, Resume, Disconnect); for Resume the new name
	From string // Resume: the session resumed

	// Create / Resume: the singular provider, or named providers.
	Singular *Provider
	Named    []Provider

	// Ask: Count requests for Provider of session Ref, each once the one
	// before is answered. Burst: Count requests for each of Targets, all
	// at once. AskUnknown: one request for Provider in session Ref (an id
	// no session has).
	Provider string
	Count    int
	Targets  []Target
}

// Target is a session's provider that a burst asks for.
type Target struct {
	Ref, Provider string
}

// Provider is a provider of a session: the singular one (Name "") or a
// named one, with or without a callback and static credentials.
type Provider struct {
	Name        string
	APIKey      string
	BearerToken string
	Callback    *Callback
}

// Callback is what the callback does on each invocation: Responses[i-1]
// for invocation i, the last one again once they are used up (PROTOCOL.md).
type Callback struct {
	Responses []Response
	Style     string // "", "sync" or "async"
}

// Response is one invocation's behaviour: return Token ("{n}" replaced by
// the invocation number) or fail, after DelayMs.
type Response struct {
	Token   string
	Fail    bool
	DelayMs int
}

// FailMessage is what a failing callback raises.
const FailMessage = "token service unavailable"

// TokenFor is the token invocation n (1-based) returns, and whether it
// returns one at all.
func (c *Callback) TokenFor(n int) (string, bool) {
	r := c.response(n)
	if r.Fail {
		return "", false
	}
	return strings.ReplaceAll(r.Token, "{n}", fmt.Sprint(n)), true
}

func (c *Callback) response(n int) Response {
	if n > len(c.Responses) {
		return c.Responses[len(c.Responses)-1]
	}
	return c.Responses[n-1]
}

// maxDelay is the longest any response of the callback waits.
func (c *Callback) maxDelay() int {
	m := 0
	for _, r := range c.Responses {
		m = max(m, r.DelayMs)
	}
	return m
}

// label is the driver's name for a callback: "<ref>/singular" or
// "<ref>/<name>" (PROTOCOL.md, "invocations").
func label(ref, provider string) string {
	if provider == "" || provider == defaultName {
		return ref + "/singular"
	}
	return ref + "/" + provider
}

// defaultName is what the runtime calls the singular provider (BT-4).
const defaultName = "default"

// wireName is the providerName a request for p carries.
func (p Provider) wireName() string {
	if p.Name == "" {
		return defaultName
	}
	return p.Name
}

// providers lists a Create or Resume step's providers.
func (s Step) providers() []Provider {
	if s.Singular != nil {
		return []Provider{*s.Singular}
	}
	return s.Named
}

// model is the model a Create or Resume step's session uses: the first
// named provider's "default" model, as the features' tables do.
func (s Step) model() string {
	if s.Singular != nil {
		return "gpt-4o"
	}
	return s.Named[0].Name + "/default"
}

// Requests counts the token requests the workload sends.
func (w Workload) Requests() int {
	n := 0
	for _, s := range w.Steps {
		switch s.Kind {
		case Ask:
			n += s.Count
		case Burst:
			n += s.Count * len(s.Targets)
		case AskUnknown:
			n++
		}
	}
	return n
}

// clone copies a workload deeply enough that a shrinker may edit the copy.
func (w Workload) clone() Workload {
	out := Workload{Seed: w.Seed, Steps: make([]Step, len(w.Steps))}
	for i, s := range w.Steps {
		c := s
		if s.Singular != nil {
			p := s.Singular.clone()
			c.Singular = &p
		}
		c.Named = nil
		for _, p := range s.Named {
			c.Named = append(c.Named, p.clone())
		}
		c.Targets = append([]Target(nil), s.Targets...)
		out.Steps[i] = c
	}
	return out
}

func (p Provider) clone() Provider {
	if p.Callback != nil {
		cb := *p.Callback
		cb.Responses = append([]Response(nil), p.Callback.Responses...)
		p.Callback = &cb
	}
	return p
}

// valid reports whether every step refers to sessions and providers that
// exist at that point: a shrinker's edit may leave a request for a
// session it removed.
func (w Workload) valid() bool {
	type state struct {
		live      bool
		providers map[string]bool
	}
	sessions := map[string]*state{}
	if len(w.Steps) == 0 {
		return false
	}
	for _, s := range w.Steps {
		switch s.Kind {
		case Create, Resume:
			if _, taken := sessions[s.Ref]; taken {
				return false
			}
			if s.Kind == Resume {
				from, ok := sessions[s.From]
				if !ok || !from.live {
					return false
				}
				from.live = false // its id now belongs to Ref
			}
			if len(s.providers()) == 0 {
				return false
			}
			st := &state{live: true, providers: map[string]bool{}}
			for _, p := range s.providers() {
				st.providers[p.wireName()] = true
			}
			sessions[s.Ref] = st
		case Disconnect:
			st, ok := sessions[s.Ref]
			if !ok || !st.live {
				return false
			}
			st.live = false
		case Ask:
			if _, ok := sessions[s.Ref]; !ok || s.Count < 1 {
				return false
			}
		case Burst:
			if s.Count < 1 || len(s.Targets) == 0 {
				return false
			}
			for _, t := range s.Targets {
				if st, ok := sessions[t.Ref]; !ok || !st.live {
					return false
				}
			}
		}
	}
	return true
}

// Size is a rough measure of a workload that a shrink must lower: steps,
// requests, bytes of tokens, failures and delays.
func (w Workload) Size() int {
	n := len(w.Steps)*1000 + w.Requests()*100
	for _, s := range w.Steps {
		if s.Kind == Burst { // requests at once are harder to follow than one by one
			n += 50
		}
		for _, p := range s.providers() {
			n += 200
			if p.Callback != nil {
				for _, r := range p.Callback.Responses {
					n += 50 + len(r.Token) + r.DelayMs/10
				}
			}
		}
	}
	return n
}
