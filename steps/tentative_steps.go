package steps

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"conformance/internal/fakeruntime"
	"conformance/internal/wirelog"
)

// secretStem returns the scenario's random stem for tokens ("<secret>" in
// a feature): 24 random hex digits, so a match in a frame or in the SDK's
// output can only be a copy of a token, never an accident.
func (sc *scenario) secretStem() string {
	if sc.secret == "" {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		sc.secret = "sk" + hex.EncodeToString(b)
	}
	return sc.secret
}

// startedWithin bounds how long a callback may take to start once its
// request is sent, for "the callback ... has started".
const startedWithin = 10 * time.Second

func (sc *scenario) registerTentativeSteps(ctx *godog.ScenarioContext) {
	sc.step(ctx, `^the runtime asks session "([^"]+)" for a token for provider "([^"]+)" and does not wait for the answer$`, sc.askTokenNoWait)
	sc.step(ctx, `^the callback "([^"]+)" has started$`, sc.callbackHasStarted)
	sc.step(ctx, `^token request (\d+) was answered within (\d+) ms of being sent$`, sc.answeredWithin)
	sc.step(ctx, `^the turn in session "([^"]+)" ended within (\d+) ms of the SDK sending it$`, sc.turnEndedWithin)
	sc.step(ctx, `^the runtime has the answer to every token request it did not wait for$`, sc.awaitPending)
	sc.step(ctx, `^every token a callback returned appears in exactly one frame, the answer to its own token request$`, sc.tokensOnlyInTheirAnswers)
	sc.step(ctx, `^no part of a token appears in what the SDK wrote to stdout or stderr$`, sc.tokensNotInOutput)
}

func (sc *scenario) askTokenNoWait(ctx context.Context, ref, provider string) error {
	id, err := sc.sessionID(ref)
	if err != nil {
		return err
	}
	rt, err := sc.fakeRuntime("asking for a token outside a turn")
	if err != nil {
		return err
	}
	// Not the step's ctx: godog may end it with the step, and the request
	// must outlive the step. AskToken bounds it by the token timeout.
	sc.pendingTokens = append(sc.pendingTokens,
		rt.StartAskToken(context.Background(), fakeruntime.TokenRequest{SessionID: id, ProviderName: provider}))
	return nil
}

// callbackHasStarted waits until the driver reports an invocation of the
// callback (drivers record an invocation when it starts), so that what the
// scenario sends next reaches the SDK while that callback runs.
func (sc *scenario) callbackHasStarted(ctx context.Context, callback string) error {
	deadline := time.Now().Add(startedWithin)
	for {
		invs, err := sc.invocationsOf(ctx, callback)
		if err != nil {
			return err
		}
		if len(invs) > 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the callback %q had not started %s after its token request was sent", callback, startedWithin)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (sc *scenario) answeredWithin(i, ms int) error {
	ex, err := sc.exchange(i)
	if err != nil {
		return err
	}
	if ex.response == nil {
		return fmt.Errorf("token request %d (#%s, %+v) has no answer on the wire", i, ex.id, ex.request)
	}
	if took := ex.answeredAt.Sub(ex.sentAt); took > time.Duration(ms)*time.Millisecond {
		return fmt.Errorf("token request %d (#%s, %+v) was answered %s after it was sent, want within %d ms: something held it up",
			i, ex.id, ex.request, took.Round(time.Millisecond), ms)
	}
	return nil
}

// turnEndedWithin measures a turn on the wire: from the SDK's session.send
// to the runtime's session.idle for that session that follows it. It
// checks the session's last turn.
func (sc *scenario) turnEndedWithin(ref string, ms int) error {
	id, err := sc.sessionID(ref)
	if err != nil {
		return err
	}
	var sentAt, idleAt time.Time
	for _, f := range sc.runtime.Log().Frames() {
		m, err := f.Decode()
		if err != nil {
			continue
		}
		var p struct {
			SessionID string `json:"sessionId"`
			Event     struct {
				Type string `json:"type"`
			} `json:"event"`
		}
		_ = json.Unmarshal(m.Params, &p)
		switch {
		case p.SessionID != id:
		case f.Dir == wirelog.SDKToRuntime && m.Method == "session.send":
			sentAt, idleAt = f.Time, time.Time{}
		case f.Dir == wirelog.RuntimeToSDK && m.Method == "session.event" && p.Event.Type == "session.idle" && !sentAt.IsZero() && idleAt.IsZero():
			idleAt = f.Time
		}
	}
	switch {
	case sentAt.IsZero():
		return fmt.Errorf("the SDK sent no session.send for session %q", ref)
	case idleAt.IsZero():
		return fmt.Errorf("the turn in session %q has no session.idle on the wire", ref)
	case idleAt.Sub(sentAt) > time.Duration(ms)*time.Millisecond:
		return fmt.Errorf("the turn in session %q took %s from session.send to session.idle, want within %d ms: something held it up",
			ref, idleAt.Sub(sentAt).Round(time.Millisecond), ms)
	}
	return nil
}

// awaitPending waits for the answer to every request sent without waiting
// (each bounded by the token timeout).
func (sc *scenario) awaitPending() error {
	if len(sc.pendingTokens) == 0 {
		return fmt.Errorf("the scenario sent no token request without waiting for it")
	}
	for _, p := range sc.pendingTokens {
		if _, err := p.Wait(); err != nil {
			return err
		}
	}
	return nil
}

// tokensOnlyInTheirAnswers checks every frame, both ways, for the
// scenario's secret stem: the only frames that may hold it are answers to
// providerToken.getToken whose result is exactly {"token": t} for a token
// t a callback returned, one frame per token. Anything else (an error
// message, an event, a request) holding the stem is a leak.
func (sc *scenario) tokensOnlyInTheirAnswers(ctx context.Context) error {
	stem := sc.secretStem()
	invs, err := sc.invocations(ctx)
	if err != nil {
		return err
	}
	returned := map[string]bool{}
	for _, inv := range invs {
		if inv.Token != nil && strings.Contains(*inv.Token, stem) {
			returned[*inv.Token] = true
		}
	}
	if len(returned) == 0 {
		return fmt.Errorf("no callback returned a token with the scenario's secret stem: nothing to check (invocations: %s)", listInvocations(invs))
	}
	tokenRequests := map[string]bool{} // "<conn>/<id>" of each providerToken.getToken request
	for _, req := range sc.runtime.Log().Requests(wirelog.RuntimeToSDK, "providerToken.getToken") {
		tokenRequests[fmt.Sprintf("%d/%s", req.Conn, req.ID)] = true
	}
	seen := map[string]int{} // token -> frame seq of its answer
	for _, f := range sc.runtime.Log().Frames() {
		if !strings.Contains(string(f.Raw), stem) {
			continue
		}
		m, _ := f.Decode()
		var result map[string]any
		_ = json.Unmarshal(m.Result, &result)
		tok, isString := result["token"].(string)
		switch {
		case f.Dir != wirelog.SDKToRuntime || !m.IsResponse() || !tokenRequests[fmt.Sprintf("%d/%s", f.Conn, m.ID)]:
			return fmt.Errorf("frame %d (%s) holds a token, and it is not an answer to a token request: %s", f.Seq, f.Dir, clip(f.Raw))
		case m.Error != nil:
			return fmt.Errorf("frame %d holds a token in a JSON-RPC error: %s", f.Seq, clip(f.Raw))
		case !isString || len(result) != 1 || !returned[tok] || strings.Count(string(f.Raw), stem) != 1:
			return fmt.Errorf("frame %d holds a token other than as the one token its callback returned: %s", f.Seq, clip(f.Raw))
		case seen[tok] != 0:
			return fmt.Errorf("token %q appears in frame %d and again in frame %d", tok, seen[tok], f.Seq)
		}
		seen[tok] = f.Seq
	}
	for tok := range returned {
		if seen[tok] == 0 {
			return fmt.Errorf("the callback returned %q, but no answer on the wire carries it", tok)
		}
	}
	return nil
}

// tokensNotInOutput searches all the SDK wrote outside the driver's
// answers (drivers/PROTOCOL.md, "Framing") for the secret stem.
func (sc *scenario) tokensNotInOutput() error {
	stem := sc.secretStem()
	stdout, stderr, complete := sc.driver.SDKOutput()
	for _, out := range []struct{ name, text string }{{"stdout", stdout}, {"stderr", stderr}} {
		if i := strings.Index(out.text, stem); i >= 0 {
			line := out.text[strings.LastIndex(out.text[:i], "\n")+1:]
			line, _, _ = strings.Cut(line, "\n")
			return fmt.Errorf("the SDK wrote a token to %s: %q", out.name, clip([]byte(line)))
		}
	}
	if !complete {
		return fmt.Errorf("the SDK wrote more than the suite keeps of its output: it cannot tell whether a token is in it")
	}
	return nil
}

func clip(b []byte) string {
	const n = 400
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "..."
}
