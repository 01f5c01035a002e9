package steps

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/cucumber/godog"

	"conformance/internal/driver"
)

// Turns in several sessions, resumed sessions and failures in one session
// among others: what the real runtime can be made to send, in turns,
// checked by the same steps on both runtimes (issue #27 item 2). Where a
// runtime may differ (how many times it asks after a failure, how the turn
// ends) the steps record, and check only what the contract states.
func (sc *scenario) registerSessionTurnSteps(ctx *godog.ScenarioContext) {
	sc.step(ctx, `^the SDK sends "([^"]*)" in the sessions "([^"]+)" to "([^"]+)", all at once, whatever each turn's outcome$`, sc.sendAllWhateverOutcome)
	sc.step(ctx, `^the turns in the sessions "([^"]+)" to "([^"]+)" each replied "([^"]*)"$`, sc.turnsReplied)
	sc.step(ctx, `^the outcome of the turn in session "([^"]+)" is recorded as the observed behaviour "([^"]+)"$`, sc.observeTurnOutcome)
	sc.step(ctx, `^every one of the (\d+) token requests for the sessions "([^"]+)" to "([^"]+)" was answered with a token of the session and the provider it named, none twice$`, sc.rangeAnswersMatchSessionAndProvider)
	sc.step(ctx, `^every token request for session "([^"]+)" was answered with a JSON-RPC error, each from one invocation of the callback "([^"]+)"$`, sc.everyRequestOfSessionFailed)
	sc.step(ctx, `^the number of token requests for session "([^"]+)" is recorded as the observed behaviour "([^"]+)"$`, sc.observeRequestCount)
	sc.step(ctx, `^the model endpoint received (\d+) requests? in all$`, sc.modelRequestCount)
	sc.step(ctx, `^the model endpoint received one request per session of "([^"]+)" to "([^"]+)", on the path "([^"]+)", with the token the SDK answered for that session$`, sc.modelGotEachSessionsTokenOn)
	sc.step(ctx, `^in each of the sessions "([^"]+)" to "([^"]+)", the callback of provider "([^"]+)" was invoked (\d+) times?, each time with the providerName "([^"]+)"$`, sc.eachSessionsCallbackInvoked)
	sc.step(ctx, `^in each of the sessions "([^"]+)" to "([^"]+)", the callback of provider "([^"]+)" was not invoked$`, func(ctx context.Context, from, to, provider string) error {
		return sc.eachSessionsCallbackInvoked(ctx, from, to, provider, 0, provider)
	})
	sc.step(ctx, `^session "([^"]+)" is resumed as "([^"]+)" with a singular provider whose callback returns "([^"]*)" for the scope "([^"]*)"$`, sc.resumeWithSingularCallbackAndScope)
	sc.step(ctx, `^session "([^"]+)" is resumed as "([^"]+)" with this singular provider:$`, sc.resumeWithSingularTable)
	sc.step(ctx, `^the (session\.resume) request for session "([^"]+)" contains none of the tokens any callback of the scenario returns$`, sc.noScenarioTokenIn)
}

// sendAllWhateverOutcome runs the turns at once as sendAll does, and
// keeps each turn's outcome, reply or SDK error, for later steps: a turn
// that fails does not fail this step. That they ran at once is still
// checked.
func (sc *scenario) sendAllWhateverOutcome(ctx context.Context, prompt, from, to string) error {
	_, err := sc.runTurnsAtOnce(ctx, prompt, from, to)
	return err
}

// turnOf returns the outcome of the turn in session ref among the turns
// sent at once.
func (sc *scenario) turnOf(ref string) (driver.Turn, error) {
	for _, t := range sc.turns {
		if t.Ref == ref {
			return t, nil
		}
	}
	return driver.Turn{}, fmt.Errorf("no turn was sent in session %q among the turns sent at once", ref)
}

func (sc *scenario) turnsReplied(from, to, want string) error {
	refs, err := sessionRange(from, to)
	if err != nil {
		return err
	}
	for _, ref := range refs {
		t, err := sc.turnOf(ref)
		if err != nil {
			return err
		}
		if t.Error != nil {
			return fmt.Errorf("the turn in session %q failed: %s", ref, *t.Error)
		}
		if t.Reply != want {
			return fmt.Errorf("the reply in session %q was %q, want %q", ref, t.Reply, want)
		}
	}
	return nil
}

func (sc *scenario) observeTurnOutcome(ref, name string) error {
	t, err := sc.turnOf(ref)
	if err != nil {
		return err
	}
	if t.Error != nil {
		sc.observe(name, "the turn failed: "+*t.Error)
	} else {
		sc.observe(name, fmt.Sprintf("the turn succeeded with reply %q", t.Reply))
	}
	return nil
}

// exchangesOf returns the token requests naming one of the sessions refs,
// in the order sent.
func (sc *scenario) exchangesOf(refs ...string) []tokenExchange {
	ids := map[string]bool{}
	for _, ref := range refs {
		if id, ok := sc.sessions[ref]; ok {
			ids[id] = true
		}
	}
	var out []tokenExchange
	for _, ex := range sc.tokenExchanges() {
		if ids[ex.request.SessionID] {
			out = append(out, ex)
		}
	}
	return out
}

// rangeAnswersMatchSessionAndProvider is answersMatchSessionAndProvider
// over the requests naming the sessions from..to only.
func (sc *scenario) rangeAnswersMatchSessionAndProvider(n int, from, to string) error {
	refs, err := sessionRange(from, to)
	if err != nil {
		return err
	}
	all := sc.exchangesOf(refs...)
	if len(all) != n {
		return fmt.Errorf("the runtime sent %d token requests for the sessions %q to %q, want %d", len(all), from, to, n)
	}
	return sc.answersMatchTheirSession(all)
}

// everyRequestOfSessionFailed checks a session whose callback always
// fails: the runtime asked at least once, every request got a JSON-RPC
// error, and the callback ran once per request (no SDK cache of the
// failure, no retry of its own).
func (sc *scenario) everyRequestOfSessionFailed(ctx context.Context, ref, callback string) error {
	if _, err := sc.sessionID(ref); err != nil {
		return err
	}
	all := sc.exchangesOf(ref)
	if len(all) == 0 {
		return fmt.Errorf("the runtime sent no token request for session %q: nothing to check", ref)
	}
	for i, ex := range all {
		switch {
		case ex.response == nil:
			return fmt.Errorf("token request %d of session %q (#%s) has no answer on the wire", i+1, ref, ex.id)
		case ex.response.Error == nil:
			return fmt.Errorf("token request %d of session %q (#%s) was answered with result %s, want a JSON-RPC error (its callback always fails)", i+1, ref, ex.id, ex.response.Result)
		case strings.TrimSpace(ex.response.Error.Message) == "":
			return fmt.Errorf("token request %d of session %q was answered with error code %d and an empty message", i+1, ref, ex.response.Error.Code)
		}
	}
	return sc.callbackInvoked(ctx, callback, len(all))
}

func (sc *scenario) observeRequestCount(ref, name string) error {
	if _, err := sc.sessionID(ref); err != nil {
		return err
	}
	sc.observe(name, strconv.Itoa(len(sc.exchangesOf(ref))))
	return nil
}

func (sc *scenario) modelRequestCount(n int) error {
	if got := len(sc.model.Requests()); got != n {
		return fmt.Errorf("the model endpoint received %d request(s), want %d:\n%s", got, n, sc.model)
	}
	return nil
}

// eachSessionsCallbackInvoked checks the callback "<ref>/<provider>" of
// every session of the range.
func (sc *scenario) eachSessionsCallbackInvoked(ctx context.Context, from, to, provider string, n int, providerName string) error {
	refs, err := sessionRange(from, to)
	if err != nil {
		return err
	}
	for _, ref := range refs {
		label := ref + "/" + provider
		if _, ok := sc.callbacks[label]; !ok {
			return fmt.Errorf("session %q has no callback for provider %q", ref, provider)
		}
		if err := sc.callbackInvoked(ctx, label, n); err != nil {
			return err
		}
		if n == 0 {
			continue
		}
		if err := sc.everyInvocationReceived(ctx, label, "providerName", providerName); err != nil {
			return err
		}
	}
	return nil
}

func (sc *scenario) resumeWithSingularCallbackAndScope(ctx context.Context, from, ref, token, scope string) error {
	id, err := sc.sessionID(from)
	if err != nil {
		return err
	}
	cb := driver.Tokens(token)
	cb.Scope = scope
	spec := sc.singularSpec(ref, cb)
	spec.SessionID = id
	return sc.openSession(ctx, spec)
}

// resumeWithSingularTable is createWithSingularTable for a resume.
func (sc *scenario) resumeWithSingularTable(ctx context.Context, from, ref string, table *godog.Table) error {
	id, err := sc.sessionID(from)
	if err != nil {
		return err
	}
	p := &driver.Provider{Type: "openai", BaseURL: sc.model.URL() + "/v1"}
	for _, row := range table.Rows {
		if len(row.Cells) != 2 {
			return fmt.Errorf("provider table rows are | field | value |")
		}
		if err := sc.setProviderField(p, row.Cells[0].Value, row.Cells[1].Value); err != nil {
			return err
		}
	}
	return sc.openSession(ctx, driver.SessionSpec{Ref: ref, SessionID: id, Model: "gpt-4o", Provider: p})
}

// noScenarioTokenIn checks that the request opening session ref carries
// no token any callback of the scenario returns: neither those of the
// session's own callbacks nor one an earlier callback of the same session
// returned before the resume (an SDK that cached it).
func (sc *scenario) noScenarioTokenIn(method, ref string) error {
	_, raw, err := sc.openParams(method, ref)
	if err != nil {
		return err
	}
	var tokens []string
	for label := range sc.callbacks {
		owner, _, _ := strings.Cut(label, "/")
		tokens = append(tokens, sc.candidateTokens(owner)...)
	}
	if len(tokens) == 0 {
		return fmt.Errorf("the scenario has no callbacks: nothing to check")
	}
	for _, t := range tokens {
		if strings.Contains(string(raw), t) {
			return fmt.Errorf("token %q is in the %s request for session %q: %s", t, method, ref, raw)
		}
	}
	return nil
}
