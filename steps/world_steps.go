package steps

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"conformance/internal/driver"
	"conformance/internal/fakeruntime"
)

// The steps of a world as large as the SDKs' users': tokens shaped and
// sized like real ones (token_shapes.go), identity services that fail many
// times in a row or answer late, and many sessions with requests in flight
// at once (many_sessions.go).
func (sc *scenario) registerWorldSteps(ctx *godog.ScenarioContext) {
	sc.step(ctx, `^session "([^"]+)" is created with a singular provider whose callback returns these tokens, one per invocation:$`, sc.createWithShapedTokens)
	sc.step(ctx, `^the SDK sends "([^"]*)" in session "([^"]+)" (\d+) times, one turn after another$`, sc.sendTimes)
	sc.step(ctx, `^the SDK answered the token requests with the tokens of the callback "([^"]+)", in order and byte for byte$`, sc.answeredShapedTokens)
	sc.step(ctx, `^the model endpoint received one request per token of the callback "([^"]+)", in order, each with the Authorization "Bearer <that token>"$`, sc.modelGotShapedTokens)
	sc.step(ctx, `^token requests (\d+) to (\d+) were each answered with a JSON-RPC error$`, sc.answeredWithErrors)
	sc.step(ctx, `^token requests (\d+) to (\d+) were each answered within (\d+) ms of being sent$`, sc.eachAnsweredWithin)
	sc.step(ctx, `^the runtime asks session "([^"]+)" for a token for provider "([^"]+)", waiting up to (\d+) s for the answer$`, sc.askTokenWaiting)
	sc.step(ctx, `^the SDK sends "([^"]*)" in session "([^"]+)", and the turn's outcome is recorded as the observed behaviour "([^"]+)"$`, sc.sendAndObserve)
	sc.step(ctx, `^`+AloneStep+`$`, sc.runAlone)
	sc.registerManySessionSteps(ctx)
}

// createWithShapedTokens takes a table | token | whose rows name token
// shapes (generateToken): invocation i returns row i's token.
func (sc *scenario) createWithShapedTokens(ctx context.Context, ref string, table *godog.Table) error {
	if len(table.Rows) < 2 || len(table.Rows[0].Cells) != 1 || table.Rows[0].Cells[0].Value != "token" {
		return fmt.Errorf("the tokens table is | token | with a header row and one token shape a row")
	}
	var tokens []string
	for _, row := range table.Rows[1:] {
		t, err := generateToken(row.Cells[0].Value)
		if err != nil {
			return err
		}
		tokens = append(tokens, t)
	}
	return sc.openSession(ctx, sc.singularSpec(ref, driver.Tokens(tokens...)))
}

// scriptedTokens are the tokens a callback the scenario gave returns, in
// invocation order (its responses, all of them tokens).
func (sc *scenario) scriptedTokens(callback string) ([]string, error) {
	cb, ok := sc.callbacks[callback]
	if !ok {
		return nil, fmt.Errorf("the scenario gave no callback %q (it has: %s)", callback, strings.Join(keys(sc.callbacks), ", "))
	}
	var out []string
	for i, r := range cb.Responses {
		if r.Token == nil {
			return nil, fmt.Errorf("response %d of callback %q is not a token", i+1, callback)
		}
		out = append(out, *r.Token)
	}
	return out, nil
}

func (sc *scenario) sendTimes(ctx context.Context, prompt, ref string, n int) error {
	for i := 1; i <= n; i++ {
		if err := sc.send(ctx, prompt, ref); err != nil {
			return fmt.Errorf("turn %d of %d: %w", i, n, err)
		}
	}
	return nil
}

func (sc *scenario) answeredShapedTokens(callback string) error {
	want, err := sc.scriptedTokens(callback)
	if err != nil {
		return err
	}
	exchanges := sc.tokenExchanges()
	if len(exchanges) != len(want) {
		return fmt.Errorf("the runtime sent %d token request(s), want %d, one per token of %q", len(exchanges), len(want), callback)
	}
	for i, ex := range exchanges {
		got, err := ex.token()
		if err != nil {
			return err
		}
		if got != want[i] {
			return fmt.Errorf("token request %d (#%s) was not answered with the callback's token %d: %s", i+1, ex.id, i+1, firstDifference(got, want[i]))
		}
	}
	return nil
}

func (sc *scenario) modelGotShapedTokens(callback string) error {
	want, err := sc.scriptedTokens(callback)
	if err != nil {
		return err
	}
	got := sc.model.Requests()
	if len(got) != len(want) {
		return fmt.Errorf("the model endpoint received %d request(s), want %d, one per token of %q", len(got), len(want), callback)
	}
	for i, r := range got {
		if r.Authorization != "Bearer "+want[i] {
			return fmt.Errorf("model request %d (%s) did not carry the callback's token %d: %s", i+1, r.Path, i+1, firstDifference(r.Authorization, "Bearer "+want[i]))
		}
	}
	return nil
}

func (sc *scenario) answeredWithErrors(from, to int) error {
	if from < 1 || to < from {
		return fmt.Errorf("token requests %d to %d: not a range", from, to)
	}
	for i := from; i <= to; i++ {
		if err := sc.answeredWithError(i); err != nil {
			return err
		}
	}
	return nil
}

// eachAnsweredWithin bounds the delay of the answers to token requests
// from to to (1-based) in milliseconds: a back-off or a circuit breaker
// that holds a request shows as a second or more. A busy machine adds
// that much too (a JVM's error path, beside make test's other lanes), so
// its scenario runs @serial.
func (sc *scenario) eachAnsweredWithin(from, to, ms int) error {
	all := sc.tokenExchanges()
	if from < 1 || to < from || len(all) < to {
		return fmt.Errorf("token requests %d to %d: the runtime sent %d token request(s)", from, to, len(all))
	}
	for i, ex := range all[from-1 : to] {
		i += from - 1
		if ex.response == nil {
			return fmt.Errorf("token request %d (#%s) has no answer on the wire", i+1, ex.id)
		}
		if took := ex.answeredAt.Sub(ex.sentAt); took > time.Duration(ms)*time.Millisecond {
			return fmt.Errorf("token request %d (#%s) was answered %s after it was sent, more than %d ms: the SDK held it back", i+1, ex.id, took.Round(time.Millisecond), ms)
		}
	}
	return nil
}

// askTokenWaiting asks once, waiting longer than the fake runtime's
// usual token timeout (for BT-12's bound).
//
// While it waits, the scenario leaves the run's Gate for good: it only
// idles (a timer in the driver), and holding the gate would keep every
// @serial scenario, and all that come after it, waiting tens of seconds.
// What follows such a wait may only read what was recorded.
func (sc *scenario) askTokenWaiting(ctx context.Context, ref, provider string, s int) error {
	id, err := sc.sessionID(ref)
	if err != nil {
		return err
	}
	rt, err := sc.fakeRuntime("asking for a token outside a turn")
	if err != nil {
		return err
	}
	sc.leaveGate()
	if _, err := rt.AskTokenWithin(ctx, fakeruntime.TokenRequest{SessionID: id, ProviderName: provider}, time.Duration(s)*time.Second); err != nil {
		return fmt.Errorf("asking session %q for a token for provider %q: %w", ref, provider, err)
	}
	return nil
}

// sendAndObserve runs a turn and records how it ended: the reply, or
// the SDK's error. A turn that does not end within the suite's budget
// fails the step (a hang is not an outcome to record).
func (sc *scenario) sendAndObserve(ctx context.Context, prompt, ref, name string) error {
	reply, failure, failed, err := sc.turnOutcome(ctx, prompt, ref)
	switch {
	case err != nil:
		return err
	case failed:
		sc.observe(name, "the turn failed: "+failure)
	default:
		sc.observe(name, fmt.Sprintf("the turn succeeded with reply %q", reply))
	}
	return nil
}

// turnOutcome runs a turn in session ref and says how it ended: its reply
// (kept as the scenario's last), or the SDK's error message (failed). Any
// other error, a turn that does not end within the suite's budget or a
// protocol error, is returned.
func (sc *scenario) turnOutcome(ctx context.Context, prompt, ref string) (reply, failure string, failed bool, err error) {
	if _, err := sc.sessionID(ref); err != nil {
		return "", "", false, err
	}
	reply, err = sc.driver.Send(ctx, ref, prompt, sc.turnTimeout)
	var sdkErr *driver.Error
	switch {
	case err == nil:
		sc.lastReply = reply
		return reply, "", false, nil
	case errors.As(err, &sdkErr) && sdkErr.Kind == driver.KindSDK:
		return "", sdkErr.Message, true, nil
	default:
		return "", "", false, fmt.Errorf("sending %q in session %q: %w", prompt, ref, err)
	}
}
