package steps

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"conformance/internal/driver"
	"conformance/internal/fakeruntime"
)

// Many sessions on one client, each with the same provider names: a
// server application's world. Each callback's tokens name their session
// and provider ("{session}" in a token stands for the session's name), so
// an answer that crossed sessions or providers shows in its token.
func (sc *scenario) registerManySessionSteps(ctx *godog.ScenarioContext) {
	sc.step(ctx, `^sessions "([^"]+)" to "([^"]+)" are each created with a singular provider whose callback returns "([^"]*)" after (\d+) ms$`, sc.createManySingular)
	sc.step(ctx, `^sessions "([^"]+)" to "([^"]+)" are each created with model "([^"]+)" and these providers:$`, sc.createManyNamed)
	sc.step(ctx, `^the runtime asks each of the sessions "([^"]+)" to "([^"]+)" for (\d+) tokens for each of the providers (.+), all at once, interleaved$`, sc.askManyInterleaved)
	sc.step(ctx, `^every one of the (\d+) token requests was answered with a token of the session and the provider it named, none twice$`, sc.answersMatchSessionAndProvider)
	sc.step(ctx, `^every callback of the sessions "([^"]+)" to "([^"]+)" was invoked (\d+) times?, each time with its own provider's name$`, sc.manyInvokedWithProviderName)
	sc.step(ctx, `^every invocation of a callback of the sessions "([^"]+)" to "([^"]+)" received its own session's id$`, sc.manyInvokedWithSessionID)
	sc.step(ctx, `^the SDK sends "([^"]*)" in the sessions "([^"]+)" to "([^"]+)", all at once$`, sc.sendAll)
	sc.step(ctx, `^the reply of every turn is "([^"]*)"$`, sc.everyReplyIs)
	sc.step(ctx, `^the model endpoint received one request per session of "([^"]+)" to "([^"]+)", on that session's base URL, with the token the SDK answered for that session$`, func(from, to string) error {
		return sc.modelGotEachSessionsTokenOn(from, to, "/{session}/v1/chat/completions")
	})
	sc.registerSessionTurnSteps(ctx)
}

// sendAll runs a turn in each session at once (the driver's sendAll,
// capability concurrentSend). Every turn must succeed. It checks that the
// turns' token requests overlapped, or the scenario would not test what
// it says: the callbacks' delay leaves time for that.
func (sc *scenario) sendAll(ctx context.Context, prompt, from, to string) error {
	turns, err := sc.runTurnsAtOnce(ctx, prompt, from, to)
	if err != nil {
		return err
	}
	for _, t := range turns {
		if t.Error != nil {
			return fmt.Errorf("the turn in session %q failed: %s", t.Ref, *t.Error)
		}
	}
	return nil
}

// runTurnsAtOnce runs the turns, keeps their outcomes in sc.turns, and
// checks that their token requests overlapped.
func (sc *scenario) runTurnsAtOnce(ctx context.Context, prompt, from, to string) ([]driver.Turn, error) {
	refs, err := sessionRange(from, to)
	if err != nil {
		return nil, err
	}
	for _, ref := range refs {
		if _, err := sc.sessionID(ref); err != nil {
			return nil, err
		}
	}
	turns, err := sc.driver.SendAll(ctx, refs, prompt, sc.turnTimeout)
	if err != nil {
		return nil, fmt.Errorf("sending %q in sessions %s at once: %w", prompt, strings.Join(refs, ", "), err)
	}
	if len(turns) != len(refs) {
		return nil, fmt.Errorf("the driver reported %d turns for %d sessions: %+v", len(turns), len(refs), turns)
	}
	sc.turns = turns
	for i, t := range turns {
		if t.Ref != refs[i] {
			return nil, fmt.Errorf("the driver reported turn %d as session %q, want %q (in the order sent)", i+1, t.Ref, refs[i])
		}
	}
	if n := maxInFlight(sc.tokenExchanges()); n < 2 {
		return nil, fmt.Errorf("the turns' token requests never overlapped (at most %d in flight at once): the turns did not run at once", n)
	}
	return turns, nil
}

// maxInFlight is the largest number of token requests sent and not yet
// answered at one instant.
func maxInFlight(all []tokenExchange) int {
	best := 0
	for _, a := range all {
		n := 0
		for _, b := range all {
			if !b.sentAt.After(a.sentAt) && (b.response == nil || b.answeredAt.After(a.sentAt)) {
				n++
			}
		}
		best = max(best, n)
	}
	return best
}

func (sc *scenario) everyReplyIs(want string) error {
	if len(sc.turns) == 0 {
		return fmt.Errorf("no turns were sent at once: nothing to check")
	}
	for _, t := range sc.turns {
		if t.Reply != want {
			return fmt.Errorf("the reply in session %q was %q, want %q", t.Ref, t.Reply, want)
		}
	}
	return nil
}

// modelGotEachSessionsTokenOn matches each session's model request (by its
// path, pathTemplate with "{session}" for the session's name: each
// session's base URL is its own) with the token the SDK answered for that
// session's request.
func (sc *scenario) modelGotEachSessionsTokenOn(from, to, pathTemplate string) error {
	refs, err := sessionRange(from, to)
	if err != nil {
		return err
	}
	answered := map[string][]string{} // ref -> tokens answered for it
	for _, ex := range sc.exchangesOf(refs...) {
		ref, _ := sc.refOf(ex.request.SessionID)
		tok, err := ex.token()
		if err != nil {
			return err
		}
		answered[ref] = append(answered[ref], tok)
	}
	byPath := map[string][]string{}
	for _, r := range sc.model.Requests() {
		byPath[r.Path] = append(byPath[r.Path], r.Authorization)
	}
	for _, ref := range refs {
		path := strings.ReplaceAll(pathTemplate, "{session}", ref)
		got := byPath[path]
		if len(got) != 1 || len(answered[ref]) != 1 {
			return fmt.Errorf("session %q: the model endpoint received %d request(s) on %s and the SDK answered %d token request(s), want one each:\n%s", ref, len(got), path, len(answered[ref]), sc.model)
		}
		if got[0] != "Bearer "+answered[ref][0] {
			return fmt.Errorf("session %q: the model request on %s carried %q, want %q, the token answered for that session", ref, path, got[0], "Bearer "+answered[ref][0])
		}
	}
	return nil
}

var numbered = regexp.MustCompile(`^(.*?)(\d+)$`)

// sessionRange expands "S1" to "S8" into S1, S2, ... S8.
func sessionRange(from, to string) ([]string, error) {
	a, b := numbered.FindStringSubmatch(from), numbered.FindStringSubmatch(to)
	if a == nil || b == nil || a[1] != b[1] {
		return nil, fmt.Errorf("sessions %q to %q: want a common name and numbers, like \"S1\" to \"S8\"", from, to)
	}
	i, _ := strconv.Atoi(a[2])
	j, _ := strconv.Atoi(b[2])
	if j < i {
		return nil, fmt.Errorf("sessions %q to %q: the range is empty", from, to)
	}
	var out []string
	for k := i; k <= j; k++ {
		out = append(out, a[1]+strconv.Itoa(k))
	}
	return out, nil
}

// forSession replaces "{session}" in every token of a callback.
func forSession(cb *driver.Callback, ref string) *driver.Callback {
	c := *cb
	c.Responses = nil
	for _, r := range cb.Responses {
		if r.Token != nil {
			t := strings.ReplaceAll(*r.Token, "{session}", ref)
			r.Token = &t
		}
		c.Responses = append(c.Responses, r)
	}
	return &c
}

func (sc *scenario) createManySingular(ctx context.Context, from, to, token string, delayMs int) error {
	refs, err := sessionRange(from, to)
	if err != nil {
		return err
	}
	for _, ref := range refs {
		cb := forSession(driver.Tokens(token), ref)
		cb.SetDelay(delayMs)
		// A base URL of its own, so that a model request says which
		// session's turn sent it.
		spec := sc.singularSpec(ref, cb)
		spec.Provider.BaseURL = sc.model.URL() + "/" + ref + "/v1"
		if err := sc.openSession(ctx, spec); err != nil {
			return err
		}
	}
	return nil
}

func (sc *scenario) createManyNamed(ctx context.Context, from, to, model string, table *godog.Table) error {
	refs, err := sessionRange(from, to)
	if err != nil {
		return err
	}
	for _, ref := range refs {
		spec, err := sc.namedSpec(ref, model, table)
		if err != nil {
			return err
		}
		for i := range spec.Providers {
			// "{session}" in a base URL gives each session's provider a
			// URL of its own, so a model request says whose turn sent it.
			spec.Providers[i].BaseURL = strings.ReplaceAll(spec.Providers[i].BaseURL, "{session}", ref)
			if cb := spec.Providers[i].Callback; cb != nil {
				spec.Providers[i].Callback = forSession(cb, ref)
			}
		}
		if err := sc.openSession(ctx, spec); err != nil {
			return err
		}
	}
	return nil
}

// askManyInterleaved sends n requests for each provider of each session,
// round after round (every session's every provider once, then again), in
// one burst, and waits for every answer. It checks that the burst was in
// flight at once: the last request left before the first answer came
// (the callbacks' delay gives the time for that), or the scenario would
// test something other than it says.
func (sc *scenario) askManyInterleaved(ctx context.Context, from, to string, n int, providerList string) error {
	refs, err := sessionRange(from, to)
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
	var pending []*fakeruntime.PendingToken
	for range n {
		for _, p := range providers {
			for _, ref := range refs {
				id, err := sc.sessionID(ref)
				if err != nil {
					return err
				}
				pending = append(pending, rt.StartAskToken(ctx, fakeruntime.TokenRequest{SessionID: id, ProviderName: p}))
			}
		}
	}
	var failed []error
	for _, p := range pending {
		if _, err := p.Wait(); err != nil {
			failed = append(failed, err)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d token requests got no answer; first: %w", len(failed), len(pending), failed[0])
	}
	var lastSent, firstAnswer time.Time
	for _, ex := range sc.tokenExchanges() {
		if ex.sentAt.After(lastSent) {
			lastSent = ex.sentAt
		}
		if firstAnswer.IsZero() || ex.answeredAt.Before(firstAnswer) {
			firstAnswer = ex.answeredAt
		}
	}
	if !lastSent.Before(firstAnswer) {
		return fmt.Errorf("the %d requests were not all in flight at once: the first answer came %s before the last request left (give the callbacks a longer delay)", len(pending), lastSent.Sub(firstAnswer))
	}
	return nil
}

// refOf returns the scenario's name of the session with this id.
func (sc *scenario) refOf(id string) (string, bool) {
	for ref, sid := range sc.sessions {
		if sid == id {
			return ref, true
		}
	}
	return "", false
}

// answersMatchSessionAndProvider checks each answer against its request:
// the tokens are "<session>-<provider>-<n>", so a crossed answer shows as
// another session's or provider's token, a cached or repeated one as a
// token seen twice.
func (sc *scenario) answersMatchSessionAndProvider(n int) error {
	all := sc.tokenExchanges()
	if len(all) != n {
		return fmt.Errorf("the runtime sent %d token requests, want %d", len(all), n)
	}
	return sc.answersMatchTheirSession(all)
}

// answersMatchTheirSession checks each of these exchanges' answer against
// its request (see answersMatchSessionAndProvider).
func (sc *scenario) answersMatchTheirSession(all []tokenExchange) error {
	seen := map[string]string{}
	for _, ex := range all {
		tok, err := ex.token()
		if err != nil {
			return err
		}
		ref, ok := sc.refOf(ex.request.SessionID)
		if !ok {
			return fmt.Errorf("token request #%s names session %s, which the scenario did not create", ex.id, ex.request.SessionID)
		}
		if want := ref + "-" + ex.request.ProviderName + "-"; !strings.HasPrefix(tok, want) {
			return fmt.Errorf("token request #%s for provider %q of session %q was answered with %q, not a token of that session's provider (%s<n>)", ex.id, ex.request.ProviderName, ref, tok, want)
		}
		if other, dup := seen[tok]; dup {
			return fmt.Errorf("token %q answered both request #%s and #%s", tok, other, ex.id)
		}
		seen[tok] = ex.id
	}
	return nil
}

// callbacksOf lists the callbacks the scenario gave the sessions, with the
// provider name each one's requests carry.
func (sc *scenario) callbacksOf(refs []string) map[string]string {
	out := map[string]string{}
	for _, ref := range refs {
		for label := range sc.callbacks {
			owner, provider, _ := strings.Cut(label, "/")
			if owner != ref {
				continue
			}
			if provider == "singular" {
				provider = "default"
			}
			out[label] = provider
		}
	}
	return out
}

func (sc *scenario) manyInvokedWithProviderName(ctx context.Context, from, to string, n int) error {
	refs, err := sessionRange(from, to)
	if err != nil {
		return err
	}
	cbs := sc.callbacksOf(refs)
	if len(cbs) == 0 {
		return fmt.Errorf("the sessions %q to %q have no callbacks", from, to)
	}
	for label, provider := range cbs {
		if err := sc.callbackInvoked(ctx, label, n); err != nil {
			return err
		}
		if err := sc.everyInvocationReceived(ctx, label, "providerName", provider); err != nil {
			return err
		}
	}
	return nil
}

func (sc *scenario) manyInvokedWithSessionID(ctx context.Context, from, to string) error {
	refs, err := sessionRange(from, to)
	if err != nil {
		return err
	}
	cbs := sc.callbacksOf(refs)
	if len(cbs) == 0 {
		return fmt.Errorf("the sessions %q to %q have no callbacks", from, to)
	}
	for label := range cbs {
		ref, _, _ := strings.Cut(label, "/")
		if err := sc.invocationsReceivedSessionID(ctx, label, ref); err != nil {
			return err
		}
	}
	return nil
}
