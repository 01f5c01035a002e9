package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/cucumber/godog"

	"conformance/internal/driver"
	"conformance/internal/fakeruntime"
	"conformance/internal/wirelog"
)

func (sc *scenario) registerTokenSteps(ctx *godog.ScenarioContext) {
	sc.step(ctx, `^the runtime asks session "([^"]+)" for a token for provider "([^"]+)" (\d+) times? in a row$`, sc.askTokensInSequence)
	sc.step(ctx, `^the runtime sent (\d+) token requests? for session "([^"]+)", each for provider "([^"]+)"$`, sc.tokenRequestsSent)
	sc.step(ctx, `^the SDK answered the token requests, in order, with the tokens (.+)$`, sc.answeredTokens)
	sc.step(ctx, `^each token answer is exactly \{"token": <the string its callback invocation returned>\}$`, sc.answersMatchInvocations)
	sc.step(ctx, `^the callback "([^"]+)" was invoked (\d+) times?$`, sc.callbackInvoked)
	sc.step(ctx, `^the callback "([^"]+)" was not invoked$`, func(ctx context.Context, cb string) error { return sc.callbackInvoked(ctx, cb, 0) })
	sc.step(ctx, `^every invocation of the callback "([^"]+)" received the providerName "([^"]+)"$`, sc.invocationsReceivedProviderName)
	sc.step(ctx, `^no callback has been invoked$`, sc.noInvocations)
}

func (sc *scenario) askTokensInSequence(ctx context.Context, ref, provider string, n int) error {
	id, err := sc.sessionID(ref)
	if err != nil {
		return err
	}
	answers, err := sc.runtime.AskTokens(ctx, fakeruntime.TokenRequest{SessionID: id, ProviderName: provider}, n, false)
	if err != nil {
		return fmt.Errorf("asking session %q for %d token(s) for provider %q: %w", ref, n, provider, err)
	}
	_ = answers // the answers are on the wire, where the Then steps read them
	return nil
}

// tokenExchange is one providerToken.getToken request and the SDK's answer.
type tokenExchange struct {
	request  fakeruntime.TokenRequest
	id       string
	response *wirelog.Message
}

// tokenExchanges reads every token request of the scenario, and its answer,
// from the wire log, in the order the requests were sent.
func (sc *scenario) tokenExchanges() []tokenExchange {
	log := sc.runtime.Log()
	var out []tokenExchange
	for _, req := range log.Requests(wirelog.RuntimeToSDK, "providerToken.getToken") {
		ex := tokenExchange{id: string(req.ID)}
		_ = json.Unmarshal(req.Params, &ex.request)
		if resp, ok := log.ResponseTo(wirelog.SDKToRuntime, req.ID); ok {
			ex.response = &resp
		}
		out = append(out, ex)
	}
	return out
}

// token returns the token of a well-formed answer: a result that is an
// object with exactly one member, "token", a string.
func (ex tokenExchange) token() (string, error) {
	switch {
	case ex.response == nil:
		return "", fmt.Errorf("token request #%s %+v has no answer on the wire", ex.id, ex.request)
	case ex.response.Error != nil:
		return "", fmt.Errorf("token request #%s %+v was answered with error %d %q", ex.id, ex.request, ex.response.Error.Code, ex.response.Error.Message)
	}
	var result map[string]any
	if err := json.Unmarshal(ex.response.Result, &result); err != nil {
		return "", fmt.Errorf("token request #%s was answered with %s, not an object", ex.id, ex.response.Result)
	}
	tok, isString := result["token"].(string)
	if !isString || len(result) != 1 {
		return "", fmt.Errorf(`token request #%s was answered with %s, want exactly {"token": "<string>"}`, ex.id, ex.response.Result)
	}
	return tok, nil
}

func (sc *scenario) tokenRequestsSent(n int, ref, provider string) error {
	id, err := sc.sessionID(ref)
	if err != nil {
		return err
	}
	var forSession []tokenExchange
	for _, ex := range sc.tokenExchanges() {
		if ex.request.SessionID == id {
			forSession = append(forSession, ex)
		}
	}
	if len(forSession) != n {
		return fmt.Errorf("the runtime sent %d token request(s) for session %q, want %d", len(forSession), ref, n)
	}
	for _, ex := range forSession {
		if ex.request.ProviderName != provider {
			return fmt.Errorf("token request #%s is for provider %q, want %q", ex.id, ex.request.ProviderName, provider)
		}
	}
	return nil
}

var quoted = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"`)

// parseQuotedList parses `"a", "b", "c"`.
func parseQuotedList(s string) ([]string, error) {
	var out []string
	for _, m := range quoted.FindAllStringSubmatch(s, -1) {
		v, err := strconv.Unquote(`"` + m[1] + `"`)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("expected a list of quoted strings, got %s", s)
	}
	return out, nil
}

func (sc *scenario) answeredTokens(list string) error {
	want, err := parseQuotedList(list)
	if err != nil {
		return err
	}
	exchanges := sc.tokenExchanges()
	if len(exchanges) != len(want) {
		return fmt.Errorf("the runtime sent %d token request(s), want %d", len(exchanges), len(want))
	}
	for i, ex := range exchanges {
		got, err := ex.token()
		if err != nil {
			return err
		}
		if got != want[i] {
			return fmt.Errorf("token request %d of %d (#%s, %+v) was answered with %q, want %q", i+1, len(want), ex.id, ex.request, got, want[i])
		}
	}
	return nil
}

func (sc *scenario) invocations(ctx context.Context) ([]driver.Invocation, error) {
	cctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	return sc.driver.Invocations(cctx)
}

func (sc *scenario) invocationsOf(ctx context.Context, callback string) ([]driver.Invocation, error) {
	all, err := sc.invocations(ctx)
	if err != nil {
		return nil, err
	}
	var out []driver.Invocation
	for _, inv := range all {
		if inv.Callback == callback {
			out = append(out, inv)
		}
	}
	return out, nil
}

func (sc *scenario) answersMatchInvocations(ctx context.Context) error {
	invs, err := sc.invocations(ctx)
	if err != nil {
		return err
	}
	exchanges := sc.tokenExchanges()
	if len(exchanges) == 0 {
		return fmt.Errorf("the runtime sent no token request: nothing to compare")
	}
	if len(invs) != len(exchanges) {
		return fmt.Errorf("%d token request(s) but %d callback invocation(s): %s", len(exchanges), len(invs), listInvocations(invs))
	}
	for i, ex := range exchanges {
		got, err := ex.token()
		if err != nil {
			return err
		}
		if invs[i].Token == nil {
			return fmt.Errorf("invocation %d returned no token: %s", i+1, invs[i])
		}
		if got != *invs[i].Token {
			return fmt.Errorf("token request %d was answered with %q, but its callback invocation returned %q", i+1, got, *invs[i].Token)
		}
	}
	return nil
}

func (sc *scenario) callbackInvoked(ctx context.Context, callback string, n int) error {
	if _, known := sc.callbacks[callback]; !known {
		return fmt.Errorf("the scenario gave no callback %q (it has: %s)", callback, strings.Join(keys(sc.callbacks), ", "))
	}
	invs, err := sc.invocationsOf(ctx, callback)
	if err != nil {
		return err
	}
	if len(invs) != n {
		all, _ := sc.invocations(ctx)
		return fmt.Errorf("callback %q was invoked %d time(s), want %d; all invocations: %s", callback, len(invs), n, listInvocations(all))
	}
	return nil
}

func (sc *scenario) invocationsReceivedProviderName(ctx context.Context, callback, name string) error {
	invs, err := sc.invocationsOf(ctx, callback)
	if err != nil {
		return err
	}
	if len(invs) == 0 {
		return fmt.Errorf("callback %q was never invoked: nothing to check", callback)
	}
	for i, inv := range invs {
		got, ok := inv.Arg("providerName")
		if !ok || got != name {
			return fmt.Errorf("invocation %d of %q received providerName %v (present: %v), want %q; args: %s", i+1, callback, got, ok, name, inv.Args)
		}
	}
	return nil
}

func (sc *scenario) noInvocations(ctx context.Context) error {
	invs, err := sc.invocations(ctx)
	if err != nil {
		return err
	}
	if len(invs) > 0 {
		return fmt.Errorf("%d callback invocation(s), want none: %s", len(invs), listInvocations(invs))
	}
	return nil
}

func listInvocations(invs []driver.Invocation) string {
	if len(invs) == 0 {
		return "(none)"
	}
	var parts []string
	for _, inv := range invs {
		parts = append(parts, inv.String())
	}
	return strings.Join(parts, "; ")
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
