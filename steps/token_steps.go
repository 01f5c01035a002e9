package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"conformance/internal/driver"
	"conformance/internal/expectations"
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
	sc.step(ctx, `^the runtime asks for a token for provider "([^"]+)" in a session it does not know, "([^"]+)"$`, sc.askUnknownSession)
	sc.step(ctx, `^the runtime asks session "([^"]+)" for (\d+) tokens for each of the providers (.+), all at once$`, sc.askConcurrently)
	sc.step(ctx, `^token request (\d+) was answered with a JSON-RPC error$`, sc.answeredWithError)
	sc.step(ctx, `^token request (\d+) was answered with the token "([^"]*)"$`, sc.answeredWithToken)
	sc.step(ctx, `^token request (\d+) was answered no sooner than (\d+) ms after it was sent$`, sc.answeredNoSooner)
	sc.step(ctx, `^every one of the (\d+) token requests was answered with a token of the provider it named, none twice$`, sc.concurrentAnswersMatch)
	sc.step(ctx, `^every invocation of the callback "([^"]+)" received the sessionId of session "([^"]+)"$`, sc.invocationsReceivedSessionID)
	sc.step(ctx, `^the SDK's answer to token request (\d+) is recorded as the observed behaviour "([^"]+)"$`, sc.observeAnswer)
	sc.step(ctx, `^the error message of token request (\d+) is recorded as the observed behaviour "([^"]+)"$`, sc.observeErrorMessage)
	sc.step(ctx, `^the largest number of callback invocations running at once is recorded as the observed behaviour "([^"]+)"$`, sc.observeOverlap)
}

func (sc *scenario) askUnknownSession(ctx context.Context, provider, sessionID string) error {
	rt, err := sc.fakeRuntime("asking for a token outside a turn")
	if err != nil {
		return err
	}
	if _, known := rt.Session(sessionID); known {
		return fmt.Errorf("session %q is known to the runtime: pick another id", sessionID)
	}
	_, err = rt.AskToken(ctx, fakeruntime.TokenRequest{SessionID: sessionID, ProviderName: provider})
	if err != nil {
		return fmt.Errorf("asking for a token in unknown session %q: %w", sessionID, err)
	}
	return nil
}

// askConcurrently sends n requests for each provider, all at once, and
// waits for every answer (each bounded by the token timeout).
func (sc *scenario) askConcurrently(ctx context.Context, ref string, n int, providerList string) error {
	id, err := sc.sessionID(ref)
	if err != nil {
		return err
	}
	providers, err := parseQuotedList(providerList)
	if err != nil {
		return err
	}
	rt, err := sc.fakeRuntime("asking for tokens outside a turn")
	if err != nil {
		return err
	}
	errs := make(chan error, n*len(providers))
	for i := 0; i < n; i++ {
		for _, p := range providers {
			go func() {
				_, err := rt.AskToken(ctx, fakeruntime.TokenRequest{SessionID: id, ProviderName: p})
				errs <- err
			}()
		}
	}
	var failed []error
	for i := 0; i < n*len(providers); i++ {
		if err := <-errs; err != nil {
			failed = append(failed, err)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d concurrent token requests got no answer; first: %w", len(failed), n*len(providers), failed[0])
	}
	return nil
}

// exchange returns token request i (1-based, in the order sent).
func (sc *scenario) exchange(i int) (tokenExchange, error) {
	all := sc.tokenExchanges()
	if i < 1 || i > len(all) {
		return tokenExchange{}, fmt.Errorf("there is no token request %d: the runtime sent %d", i, len(all))
	}
	return all[i-1], nil
}

// answeredWithError checks the error's shape: an "error" object with an
// integer code and a message, and no result.
func (sc *scenario) answeredWithError(i int) error {
	ex, err := sc.exchange(i)
	if err != nil {
		return err
	}
	switch {
	case ex.response == nil:
		return fmt.Errorf("token request %d (#%s, %+v) has no answer on the wire", i, ex.id, ex.request)
	case ex.response.Error == nil:
		return fmt.Errorf("token request %d (#%s, %+v) was answered with result %s, want a JSON-RPC error", i, ex.id, ex.request, ex.response.Result)
	case strings.TrimSpace(ex.response.Error.Message) == "":
		return fmt.Errorf("token request %d was answered with error code %d and an empty message", i, ex.response.Error.Code)
	case len(ex.response.Result) > 0:
		return fmt.Errorf("token request %d was answered with both an error and a result %s", i, ex.response.Result)
	}
	return nil
}

func (sc *scenario) answeredWithToken(i int, want string) error {
	ex, err := sc.exchange(i)
	if err != nil {
		return err
	}
	got, err := ex.token()
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("token request %d (#%s, %+v) was answered with %q, want %q", i, ex.id, ex.request, got, want)
	}
	return nil
}

func (sc *scenario) answeredNoSooner(i, ms int) error {
	ex, err := sc.exchange(i)
	if err != nil {
		return err
	}
	if ex.response == nil {
		return fmt.Errorf("token request %d has no answer on the wire", i)
	}
	if took := ex.answeredAt.Sub(ex.sentAt); took < time.Duration(ms)*time.Millisecond {
		return fmt.Errorf("token request %d was answered %s after it was sent, before the callback's %d ms could have passed", i, took, ms)
	}
	return nil
}

// concurrentAnswersMatch checks that each answer fits its request: with
// one callback per provider returning "<provider>-<n>", an answer matched
// to the wrong request id shows as another provider's token, and a cached
// or repeated answer as a token seen twice.
func (sc *scenario) concurrentAnswersMatch(n int) error {
	all := sc.tokenExchanges()
	if len(all) != n {
		return fmt.Errorf("the runtime sent %d token requests, want %d", len(all), n)
	}
	seen := map[string]string{}
	for _, ex := range all {
		tok, err := ex.token()
		if err != nil {
			return err
		}
		if !strings.HasPrefix(tok, ex.request.ProviderName+"-") {
			return fmt.Errorf("token request #%s for provider %q was answered with %q, a token of another provider", ex.id, ex.request.ProviderName, tok)
		}
		if other, dup := seen[tok]; dup {
			return fmt.Errorf("token %q answered both request #%s and #%s", tok, other, ex.id)
		}
		seen[tok] = ex.id
	}
	return nil
}

func (sc *scenario) invocationsReceivedSessionID(ctx context.Context, callback, ref string) error {
	want, err := sc.sessionID(ref)
	if err != nil {
		return err
	}
	return sc.everyInvocationReceived(ctx, callback, "sessionId", want)
}

func (sc *scenario) observe(name, value string) {
	sc.observations = append(sc.observations, expectations.Observation{Name: name, Value: value})
}

func (sc *scenario) observeAnswer(i int, name string) error {
	ex, err := sc.exchange(i)
	if err != nil {
		return err
	}
	if ex.response == nil {
		return fmt.Errorf("token request %d has no answer on the wire: nothing to record", i)
	}
	if ex.response.Error != nil {
		sc.observe(name, fmt.Sprintf("JSON-RPC error %d: %s", ex.response.Error.Code, ex.response.Error.Message))
	} else {
		sc.observe(name, "result "+string(ex.response.Result))
	}
	return nil
}

func (sc *scenario) observeErrorMessage(i int, name string) error {
	if err := sc.answeredWithError(i); err != nil {
		return err
	}
	ex, _ := sc.exchange(i)
	sc.observe(name, ex.response.Error.Message)
	return nil
}

func (sc *scenario) observeOverlap(ctx context.Context, name string) error {
	invs, err := sc.invocations(ctx)
	if err != nil {
		return err
	}
	if len(invs) == 0 {
		return fmt.Errorf("no callback was invoked: nothing to record")
	}
	sc.observe(name, strconv.Itoa(maxOverlap(invs)))
	return nil
}

// maxOverlap is the largest number of invocations whose [start, end]
// intervals contain one instant.
func maxOverlap(invs []driver.Invocation) int {
	best := 0
	for _, a := range invs {
		n := 0
		for _, b := range invs {
			if !b.StartedAt.After(a.StartedAt) && (b.EndedAt.IsZero() || b.EndedAt.After(a.StartedAt)) {
				n++
			}
		}
		best = max(best, n)
	}
	return best
}

func (sc *scenario) askTokensInSequence(ctx context.Context, ref, provider string, n int) error {
	id, err := sc.sessionID(ref)
	if err != nil {
		return err
	}
	rt, err := sc.fakeRuntime("asking for a token outside a turn")
	if err != nil {
		return err
	}
	// The answers are on the wire, where the Then steps read them.
	if _, err := rt.AskTokens(ctx, fakeruntime.TokenRequest{SessionID: id, ProviderName: provider}, n); err != nil {
		return fmt.Errorf("asking session %q for %d token(s) for provider %q: %w", ref, n, provider, err)
	}
	return nil
}

// tokenExchange is one providerToken.getToken request and the SDK's answer.
type tokenExchange struct {
	request    fakeruntime.TokenRequest
	id         string
	response   *wirelog.Message
	sentAt     time.Time
	answeredAt time.Time
}

// tokenExchanges reads every token request of the scenario, and its answer,
// from the wire log, in the order the requests were sent.
func (sc *scenario) tokenExchanges() []tokenExchange {
	log := sc.runtime.Log()
	var out []tokenExchange
	for _, req := range log.Requests(wirelog.RuntimeToSDK, "providerToken.getToken") {
		ex := tokenExchange{id: string(req.ID), sentAt: req.Time}
		_ = json.Unmarshal(req.Params, &ex.request)
		if resp, ok := log.ResponseTo(wirelog.SDKToRuntime, req); ok {
			ex.response, ex.answeredAt = &resp, resp.Time
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
	return sc.everyInvocationReceived(ctx, callback, "providerName", name)
}

// everyInvocationReceived checks one argument of every invocation of a
// callback, which must have run at least once.
func (sc *scenario) everyInvocationReceived(ctx context.Context, callback, arg, want string) error {
	invs, err := sc.invocationsOf(ctx, callback)
	if err != nil {
		return err
	}
	if len(invs) == 0 {
		return fmt.Errorf("callback %q was never invoked: nothing to check", callback)
	}
	for i, inv := range invs {
		got, ok := inv.Arg(arg)
		if !ok || got != want {
			return fmt.Errorf("invocation %d of %q received %s %v (present: %v), want %q; args: %s", i+1, callback, arg, got, ok, want, inv.Args)
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
