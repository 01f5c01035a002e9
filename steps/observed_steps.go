package steps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"conformance/internal/driver"
	"conformance/internal/fakeruntime"
	"conformance/internal/wirelog"
)

// Steps that record where SDKs differ and the contract is silent (tag
// @observed, each under the rule its case belongs to): they record a value
// and fail only when there is nothing to record.

func (sc *scenario) registerObservedSteps(ctx *godog.ScenarioContext) {
	sc.step(ctx, `^the runtime asks session "([^"]+)" for a token for provider "([^"]+)" and records the answer within (\d+) s as the observed behaviour "([^"]+)"$`, sc.observeAskInSession)
	sc.step(ctx, `^the runtime asks for a token for provider "([^"]+)" in a session it does not know, "([^"]+)", and records the answer within (\d+) s as the observed behaviour "([^"]+)"$`, sc.observeAskUnknownSession)
	sc.step(ctx, `^after session "([^"]+)" is disconnected, the answer to token request (\d+) within (\d+) s is recorded as the observed behaviour "([^"]+)"$`, sc.observeAnswerAfterDisconnect)
	sc.step(ctx, `^session "([^"]+)" is created with a singular provider whose callback returns "([^"]*)" and a named provider "default" whose callback returns "([^"]*)", and whether the SDK takes that config is recorded as the observed behaviour "([^"]+)"$`, sc.observeDefaultBesideSingular)
	sc.step(ctx, `^the callbacks a token request for provider "([^"]+)" of session "([^"]+)" reaches, and its answer within (\d+) s, are recorded as the observed behaviour "([^"]+)"$`, sc.observeWhichCallback)
	sc.step(ctx, `^session "([^"]+)" is given, after its creation, a named provider "([^"]+)" whose callback returns "([^"]*)", and what the SDK sends for it is recorded as the observed behaviour "([^"]+)"$`, sc.observeAddProvider)
	sc.registerMalformedSteps(ctx)
	sc.step(ctx, `^the median round trip of (\d+) token requests in a row for provider "([^"]+)" of session "([^"]+)" is recorded as the observed behaviour "([^"]+)"$`, sc.observeRoundTrip)
}

func (sc *scenario) observeAskInSession(ref, provider string, seconds int, name string) error {
	id, err := sc.sessionID(ref)
	if err != nil {
		return err
	}
	return sc.askAndObserve(fakeruntime.TokenRequest{SessionID: id, ProviderName: provider}, seconds, name)
}

func (sc *scenario) observeAskUnknownSession(provider, sessionID string, seconds int, name string) error {
	if sc.fake != nil {
		if _, known := sc.fake.Session(sessionID); known {
			return fmt.Errorf("session %q is known to the runtime: pick another id", sessionID)
		}
	}
	return sc.askAndObserve(fakeruntime.TokenRequest{SessionID: sessionID, ProviderName: provider}, seconds, name)
}

// askAndObserve sends one request without waiting on it past the given
// bound: an SDK that never answers is recorded as such, not failed.
func (sc *scenario) askAndObserve(req fakeruntime.TokenRequest, seconds int, name string) error {
	rt, err := sc.fakeRuntime("asking for a token outside a turn")
	if err != nil {
		return err
	}
	before := len(sc.tokenExchanges())
	sc.pendingTokens = append(sc.pendingTokens, rt.StartAskToken(context.Background(), req))
	i := before + 1
	return sc.recordAnswerWithin(i, time.Duration(seconds)*time.Second, name)
}

// recordAnswerWithin waits up to bound for the answer to token request i
// and records it, or that none came.
func (sc *scenario) recordAnswerWithin(i int, bound time.Duration, name string) error {
	deadline := time.Now().Add(bound)
	for {
		ex, err := sc.exchange(i)
		if err == nil && ex.response != nil {
			sc.observe(name, describeAnswer(ex.response))
			return nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return err // the request never reached the wire: a suite problem
			}
			sc.observe(name, fmt.Sprintf("no answer within %s", bound))
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func describeAnswer(m *wirelog.Message) string {
	if m.Error != nil {
		return fmt.Sprintf("JSON-RPC error %d: %s", m.Error.Code, m.Error.Message)
	}
	return "result " + string(m.Result)
}

// observeAnswerAfterDisconnect disconnects a session while its token
// request i is unanswered, and records what the runtime then gets.
func (sc *scenario) observeAnswerAfterDisconnect(ctx context.Context, ref string, i, seconds int, name string) error {
	ex, err := sc.exchange(i)
	if err != nil {
		return err
	}
	if ex.response != nil {
		return fmt.Errorf("token request %d was already answered (%s): nothing is pending to observe", i, describeAnswer(ex.response))
	}
	if err := sc.disconnectSession(ctx, ref); err != nil {
		return err
	}
	return sc.recordAnswerWithin(i, time.Duration(seconds)*time.Second, name)
}

// observeRoundTrip records the median time from a request to its answer,
// with the callback answering at once. About 40 ms over TCP is the sign of
// Nagle's algorithm left on (no TCP_NODELAY): the answer waits out the
// runtime's delayed ACK.
func (sc *scenario) observeRoundTrip(ctx context.Context, n int, provider, ref, name string) error {
	if err := sc.askTokensInSequence(ctx, ref, provider, n); err != nil {
		return err
	}
	all := sc.tokenExchanges()
	var rtts []time.Duration
	for _, ex := range all[len(all)-n:] {
		if ex.response == nil {
			return fmt.Errorf("token request #%s has no answer on the wire", ex.id)
		}
		rtts = append(rtts, ex.answeredAt.Sub(ex.sentAt))
	}
	slices.Sort(rtts)
	median := rtts[len(rtts)/2]
	reading := "no sign of Nagle's algorithm"
	if median >= 30*time.Millisecond { // Linux's delayed ACK is 40 ms; load only adds to it
		reading = "the delayed-ACK wait: Nagle's algorithm on (no TCP_NODELAY)"
	}
	transport := "tcp"
	if sc.env.StdioShim != "" {
		transport = "stdio"
	}
	sc.observe(name, fmt.Sprintf("%.1f ms over %s (%s)", float64(median.Microseconds())/1000, transport, reading))
	return nil
}

// observeDefaultBesideSingular gives the SDK both a singular provider
// (named "default" on the wire, BT-4) and a named provider called
// "default", each with a callback. An SDK may refuse that; the refusal is
// the observation then, and there is no session to ask.
func (sc *scenario) observeDefaultBesideSingular(ctx context.Context, ref, singular, named, name string) error {
	spec := sc.singularSpec(ref, driver.Tokens(singular))
	spec.Providers = []driver.Provider{{Name: "default", Type: "openai", BaseURL: sc.model.URL() + "/named/v1", Callback: driver.Tokens(named)}}
	spec.Models = []driver.ModelSpec{{ID: "default", Provider: "default", WireModel: "gpt-4o"}}
	err := sc.openSession(ctx, spec)
	var refused *driver.Error
	switch {
	case err == nil:
		sc.observe(name, "accepted")
		return nil
	case errors.As(err, &refused) && refused.Kind == driver.KindSDK:
		sc.observe(name, "refused: "+refused.Message)
		sc.refusedConfig = true
		return nil
	}
	return err
}

// observeWhichCallback asks for one token and records which of the
// scenario's callbacks ran for it, and the answer.
func (sc *scenario) observeWhichCallback(ctx context.Context, provider, ref string, seconds int, name string) error {
	if _, ok := sc.sessions[ref]; !ok && sc.refusedConfig {
		sc.observe(name, "not asked: the SDK refused the session's config")
		return nil
	}
	before, err := sc.invocations(ctx)
	if err != nil {
		return err
	}
	if err := sc.observeAskInSession(ref, provider, seconds, name+" (answer)"); err != nil {
		return err
	}
	after, err := sc.invocations(ctx)
	if err != nil {
		return err
	}
	var ran []string
	for _, inv := range after[len(before):] {
		ran = append(ran, inv.Callback)
	}
	if len(ran) == 0 {
		ran = []string{"none"}
	}
	sc.observe(name, strings.Join(ran, ", "))
	return nil
}

// observeAddProvider adds a provider with a callback to a running session
// (the runtime's session.provider.add), and records the provider object
// the SDK sent for it: whether it carries hasBearerTokenProvider, and
// whether the callback leaked into it.
func (sc *scenario) observeAddProvider(ctx context.Context, ref, name, token, observation string) error {
	if !sc.env.Hello.Has("addProviders") {
		return &driver.Error{Command: "addProviders", Kind: driver.KindUnsupported,
			Message: "the driver has no addProviders: this SDK exposes no session.provider.add the driver uses"}
	}
	if _, err := sc.sessionID(ref); err != nil {
		return err
	}
	p := driver.Provider{Name: name, Type: "openai", BaseURL: sc.model.URL() + "/" + name + "/v1", Callback: driver.Tokens(token)}
	sc.callbacks[ref+"/"+name] = p.Callback
	cctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	if err := sc.driver.Call(cctx, "addProviders", map[string]any{"ref": ref, "providers": []driver.Provider{p}}, nil); err != nil {
		return fmt.Errorf("adding provider %q to session %q: %w", name, ref, err)
	}
	adds := sc.runtime.Log().Requests(wirelog.SDKToRuntime, "session.provider.add")
	if len(adds) == 0 {
		return fmt.Errorf("the driver added provider %q, but the SDK sent no session.provider.add", name)
	}
	var params struct {
		Providers []json.RawMessage `json:"providers"`
	}
	_ = json.Unmarshal(adds[len(adds)-1].Params, &params)
	sc.observe(observation, fmt.Sprintf("session.provider.add sent providers %s", params.Providers))
	return nil
}
