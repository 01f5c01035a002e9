package steps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"conformance/internal/driver"
	"conformance/internal/fakeruntime"
)

// Steps that send the SDK a malformed providerToken.getToken (a
// providerName missing or of the wrong type, a sessionId missing, fields
// the contract does not have) and record what it answers, as observed
// behaviour; then check, for real, that the connection still serves a
// well-formed request. Issue 18, "malformed requests to the SDK".

func (sc *scenario) registerMalformedSteps(ctx *godog.ScenarioContext) {
	sc.step(ctx, `^the runtime sends, on the connection of session "([^"]+)", a token request with the params (.+), and records the answer within (\d+) s as the observed behaviour "([^"]+)"$`, sc.observeMalformedRequest)
	sc.step(ctx, `^the connection still serves a well-formed request: a token request for provider "([^"]+)" of session "([^"]+)" is answered within (\d+) s with the token of the callback "([^"]+)"$`, sc.connectionStillServes)
}

// sessionPlaceholder is "$A" in a step's params: the id of the scenario's
// session A, which the feature cannot know in advance.
var sessionPlaceholder = regexp.MustCompile(`\$([A-Za-z0-9_]+)`)

// malformedParams replaces each "$<ref>" in params with the id of that
// session and checks that the result is JSON (the runtime sends only JSON;
// what is malformed is the request's content, not its framing).
func (sc *scenario) malformedParams(params string) (json.RawMessage, error) {
	var missing error
	out := sessionPlaceholder.ReplaceAllStringFunc(params, func(m string) string {
		id, err := sc.sessionID(m[1:])
		if err != nil && missing == nil {
			missing = fmt.Errorf("params %s name session %q: %w", params, m[1:], err)
		}
		return id
	})
	if missing != nil {
		return nil, missing
	}
	if !json.Valid([]byte(out)) {
		return nil, fmt.Errorf("params %s are not JSON: the feature must give a JSON object", params)
	}
	return json.RawMessage(out), nil
}

// observeMalformedRequest sends one request with the params as given and
// records how the SDK took it: its answer (or that none came, or that it
// closed the connection) and which callbacks ran, with the providerName
// each received. It fails only on the suite's own problems.
func (sc *scenario) observeMalformedRequest(ctx context.Context, ref, params string, seconds int, name string) error {
	rt, err := sc.fakeRuntime("sending a malformed token request")
	if err != nil {
		return err
	}
	route, err := sc.sessionID(ref)
	if err != nil {
		return err
	}
	raw, err := sc.malformedParams(params)
	if err != nil {
		return err
	}
	before, err := sc.invocations(ctx)
	if err != nil {
		return err
	}
	// Not the step's ctx: a request nobody answers must outlive the step
	// (bounded by the token timeout, and ended when the runtime closes).
	p := rt.StartAskTokenRaw(context.Background(), route, raw)
	sc.pendingTokens = append(sc.pendingTokens, p)
	bound := time.Duration(seconds) * time.Second
	answer := waitAnswer(p, bound)
	ran := "callbacks run: "
	after, err := sc.invocations(ctx)
	switch {
	case err != nil: // the driver, where the SDK runs, is gone: record that, the next step fails on it
		ran += "unknown, the driver no longer answers (" + firstLine(err.Error()) + ")"
	case len(after) == len(before):
		ran += "none"
	default:
		var names []string
		for _, inv := range after[len(before):] {
			pn, ok := inv.Arg("providerName")
			if !ok {
				names = append(names, inv.Callback+" (no providerName)")
				continue
			}
			pj, _ := json.Marshal(pn)
			names = append(names, fmt.Sprintf("%s (providerName %s)", inv.Callback, pj))
		}
		ran += strings.Join(names, ", ")
	}
	sc.observe(name, answer+"; "+ran)
	return nil
}

// waitAnswer describes the answer to a pending request, waiting at most
// bound: a result, a JSON-RPC error, the connection closed, or none.
func waitAnswer(p *fakeruntime.PendingToken, bound time.Duration) string {
	a, done, err := p.WaitFor(bound)
	switch {
	case !done:
		return fmt.Sprintf("no answer within %s", bound)
	case err != nil:
		return "no answer: " + err.Error()
	case a.Error != nil:
		return fmt.Sprintf("JSON-RPC error %d: %s", a.Error.Code, a.Error.Message)
	}
	return "result " + string(a.Result)
}

// connectionStillServes is the real check after a malformed request: a
// well-formed request is answered, within the bound, with the token the
// callback returned for it. A hang and a dead SDK are told apart in the
// failure: the driver (the SDK's process) is asked whether it still runs.
func (sc *scenario) connectionStillServes(ctx context.Context, provider, ref string, seconds int, callback string) error {
	return sc.stillServes(ctx, provider, ref, callback, time.Duration(seconds)*time.Second)
}

func (sc *scenario) stillServes(ctx context.Context, provider, ref, callback string, bound time.Duration) error {
	if _, known := sc.callbacks[callback]; !known {
		return fmt.Errorf("the scenario gave no callback %q (it has: %s)", callback, strings.Join(keys(sc.callbacks), ", "))
	}
	rt, err := sc.fakeRuntime("asking for a token outside a turn")
	if err != nil {
		return err
	}
	id, err := sc.sessionID(ref)
	if err != nil {
		return err
	}
	req := fakeruntime.TokenRequest{SessionID: id, ProviderName: provider}
	p := rt.StartAskToken(context.Background(), req)
	sc.pendingTokens = append(sc.pendingTokens, p)
	a, done, err := p.WaitFor(bound)
	what := fmt.Sprintf("after the malformed request, a well-formed token request for provider %q of session %q", provider, ref)
	switch {
	case !done:
		return fmt.Errorf("%s got no answer within %s: %s", what, bound, sc.sdkState(ctx))
	case err != nil:
		return fmt.Errorf("%s got no answer: %v; %s", what, err, sc.sdkState(ctx))
	case a.Error != nil:
		return fmt.Errorf("%s was answered with JSON-RPC error %d %q, want its token", what, a.Error.Code, a.Error.Message)
	case !a.IsToken:
		return fmt.Errorf("%s was answered with result %s, want {\"token\": ...}", what, a.Result)
	}
	invs, err := sc.invocationsOf(ctx, callback)
	if err != nil {
		return err
	}
	if len(invs) == 0 || invs[len(invs)-1].Token == nil || *invs[len(invs)-1].Token != a.Token {
		all, _ := sc.invocations(ctx)
		return fmt.Errorf("%s was answered with %q, which is not what the last invocation of %q returned; all invocations: %s", what, a.Token, callback, listInvocations(all))
	}
	return nil
}

// sdkState says whether the SDK's process (the driver's) still runs, by
// asking the driver something that does not go through the connection.
func (sc *scenario) sdkState(ctx context.Context) string {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := sc.driver.Invocations(cctx)
	var refused *driver.Error
	switch {
	case err == nil:
		return "the SDK's process still runs and its driver answers, so the SDK hangs on the connection"
	case cctx.Err() != nil:
		return "the SDK's process does not answer its driver within 5 s either (hung as a whole)"
	case errors.As(err, &refused):
		return "the driver still runs but answered: " + refused.Message
	}
	return "the SDK's process is gone: " + err.Error()
}
