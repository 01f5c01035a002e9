package explore

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"conformance/internal/contract"
	"conformance/internal/driver"
	"conformance/internal/fakeruntime"
	"conformance/internal/gate"
)

// modelURL is the base URL the workloads' providers name. No turn runs, so
// nothing connects to it; the printed scenario uses "<model endpoint>",
// which the steps fill in.
const modelURL = "http://127.0.0.1:9"

// commandTimeout bounds each driver command, as steps/ does.
const commandTimeout = 30 * time.Second

// Runner runs workloads against one SDK's driver on the fake runtime.
type Runner struct {
	// StartDriver starts a fresh driver for a workload.
	StartDriver func(context.Context) (*driver.Driver, error)
	// Hello is what the SDK's driver declared.
	Hello driver.Hello
	// Known says which violations expectations/<sdk>.yaml records.
	Known Known
	// TokenTimeout is how long the fake runtime waits for a token answer
	// beyond the slowest callback's delay (default 15 s, as steps/ waits).
	TokenTimeout time.Duration
	// Gate, when set, is entered (shared) for each workload, as each
	// scenario does: a workload is load on the machine, which the
	// scenarios that measure time, of any run beside the explorer, must
	// not have beside them.
	Gate *gate.Gate
}

// Violation is a rule an SDK broke in a workload.
type Violation struct {
	Rule      string // "BT-8"
	Condition string // what the request or step was: "disconnected session", "burst", ...
	Message   string // what happened, with the evidence
	Step      int    // index of the workload step it showed at
	// Then are the check steps, in the features' phrases, that fail on it.
	Then []string
	// Known is the reason of the known failure it matches ("" for a new one).
	Known string
}

func (v Violation) String() string {
	s := fmt.Sprintf("%s (%s) at step %d: %s", v.Rule, v.Condition, v.Step+1, v.Message)
	if v.Known != "" {
		s = "known: " + s
	}
	return s
}

// Outcome is what one run of a workload found.
type Outcome struct {
	Steps      int // steps run
	Requests   int // token requests sent
	Checks     int // invariant checks made
	Violations []Violation
	// Conditions counts the token requests sent by what the model
	// expected of them: "callback", "failing callback", "slow callback",
	// "no callback", "disconnected session", "unknown session", "burst".
	Conditions map[string]int
	// Observed counts what the contract leaves open, as seen: the error
	// code of each kind of error answer, and the argument names a
	// callback received. Recorded, never judged.
	Observed map[string]int
}

// observe counts one value of something the contract leaves open.
func (x *run) observe(what string, value any) {
	x.out.Observed[fmt.Sprintf("%s: %v", what, value)]++
}

// New is the first violation not recorded as known, if any.
func (o Outcome) New() *Violation {
	for i := range o.Violations {
		if o.Violations[i].Known == "" {
			return &o.Violations[i]
		}
	}
	return nil
}

// run is the state of one workload's run.
type run struct {
	r     *Runner
	ctx   context.Context
	rt    *fakeruntime.Runtime
	d     *driver.Driver
	out   Outcome
	step  int
	stop  bool              // a new violation: the workload ends there
	ids   map[string]string // ref -> session id
	owner map[string]string // session id -> the ref whose callbacks it has now
	gone  map[string]bool   // session ids disconnected
	provs map[string][]Provider
	from  map[string]string // ref -> the ref it was resumed from
	calls map[string]int    // callback label -> invocations seen
	cbs   map[string]*Callback
	seen  int // invocations seen so far
	sent  int // token requests sent so far
	probs int // runtime problems seen so far
}

// Run runs the workload with a fresh fake runtime and driver, checking as
// it goes. It stops at the first violation that is not known. The error is
// for a run that could not happen (the driver did not start or connect).
func (r *Runner) Run(ctx context.Context, w Workload) (Outcome, error) {
	margin := r.TokenTimeout
	if margin == 0 {
		margin = 15 * time.Second
	}
	tokenTimeout := margin
	for _, s := range w.Steps {
		for _, p := range s.providers() {
			if p.Callback != nil {
				tokenTimeout = max(tokenTimeout, time.Duration(p.Callback.maxDelay())*time.Millisecond+margin)
			}
		}
	}
	leave, err := r.Gate.Enter(ctx, false)
	if err != nil {
		return Outcome{}, err
	}
	defer leave()
	rt, err := fakeruntime.Start(fakeruntime.WithTokenTimeout(tokenTimeout))
	if err != nil {
		return Outcome{}, err
	}
	defer rt.Close()
	d, err := r.StartDriver(ctx)
	if err != nil {
		return Outcome{}, fmt.Errorf("starting the driver: %w", err)
	}
	defer d.Close()
	cctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if _, err := d.Hello(cctx); err != nil {
		return Outcome{}, fmt.Errorf("driver hello: %w", err)
	}
	if err := d.Connect(cctx, rt.Addr(), ""); err != nil {
		return Outcome{}, fmt.Errorf("connecting the SDK to the fake runtime: %w", err)
	}
	x := &run{r: r, ctx: ctx, rt: rt, d: d, out: Outcome{Conditions: map[string]int{}, Observed: map[string]int{}}, ids: map[string]string{}, owner: map[string]string{}, gone: map[string]bool{},
		provs: map[string][]Provider{}, from: map[string]string{}, calls: map[string]int{}, cbs: map[string]*Callback{}}
	for i, s := range w.Steps {
		if x.stop || ctx.Err() != nil {
			break
		}
		x.step = i
		x.out.Steps++
		switch s.Kind {
		case Create, Resume:
			x.open(s)
		case Disconnect:
			x.disconnect(s)
		case Ask:
			x.ask(s)
		case AskUnknown:
			x.askUnknown(s)
		case Burst:
			x.burst(s)
		}
		x.checkAnsweredOnce()
	}
	x.out.Requests = x.sent
	return x.out, nil
}

// violate records a violation; one that is not known ends the workload.
func (x *run) violate(rule, condition, msg string, then ...string) {
	v := Violation{Rule: rule, Condition: condition, Message: msg, Step: x.step, Then: then}
	v.Known = x.r.Known.Reason(rule, condition)
	x.out.Violations = append(x.out.Violations, v)
	if v.Known == "" {
		x.stop = true
	}
}

// check counts one invariant checked; ok false records the violation.
func (x *run) check(ok bool, rule, condition string, msg func() string, then ...string) bool {
	x.out.Checks++
	if !ok {
		x.violate(rule, condition, msg(), then...)
	}
	return ok
}

func (x *run) spec(s Step) driver.SessionSpec {
	spec := driver.SessionSpec{Ref: s.Ref, Model: s.model()}
	if s.Singular != nil {
		p := x.wireProvider(*s.Singular)
		p.BaseURL = modelURL + "/v1"
		spec.Provider = &p
		return spec
	}
	for _, np := range s.Named {
		p := x.wireProvider(np)
		p.Name, p.BaseURL = np.Name, modelURL+"/"+np.Name+"/v1"
		spec.Providers = append(spec.Providers, p)
		spec.Models = append(spec.Models, driver.ModelSpec{ID: "default", Provider: np.Name, WireModel: "gpt-4o"})
	}
	return spec
}

func (x *run) wireProvider(p Provider) driver.Provider {
	out := driver.Provider{Type: "openai", APIKey: p.APIKey, BearerToken: p.BearerToken}
	if p.Callback != nil {
		cb := &driver.Callback{Style: p.Callback.Style}
		for _, r := range p.Callback.Responses {
			resp := driver.Response{DelayMs: r.DelayMs}
			if r.Fail {
				msg := FailMessage
				resp.Error = &msg
			} else {
				tok := r.Token
				resp.Token = &tok
			}
			cb.Responses = append(cb.Responses, resp)
		}
		out.Callback = cb
	}
	return out
}

func (x *run) open(s Step) {
	spec := x.spec(s)
	method := "session.create"
	cctx, cancel := context.WithTimeout(x.ctx, commandTimeout)
	defer cancel()
	var id string
	var err error
	if s.Kind == Resume {
		method = "session.resume"
		spec.SessionID = x.ids[s.From]
		id, err = x.d.ResumeSession(cctx, spec)
	} else {
		id, err = x.d.CreateSession(cctx, spec)
	}
	if !x.check(err == nil && id != "", "setup", "opening a session", func() string {
		return fmt.Sprintf("%s of session %q failed: %v (session id %q)", method, s.Ref, err, id)
	}) {
		return
	}
	x.ids[s.Ref], x.owner[id], x.provs[s.Ref] = id, s.Ref, s.providers()
	if s.Kind == Resume {
		x.from[s.Ref] = s.From
	}
	for _, p := range s.providers() {
		if p.Callback != nil {
			x.cbs[label(s.Ref, p.Name)] = p.Callback
		}
	}
	x.checkOpenFrame(s, method, id)
}

func (x *run) disconnect(s Step) {
	cctx, cancel := context.WithTimeout(x.ctx, commandTimeout)
	defer cancel()
	err := x.d.DisconnectSession(cctx, s.Ref)
	if x.check(err == nil, "setup", "disconnecting a session", func() string {
		return fmt.Sprintf("disconnectSession %q failed: %v", s.Ref, err)
	}) {
		x.gone[x.ids[s.Ref]] = true
	}
}

// expectation is what the contract says of one token request.
type expectation struct {
	condition string // "callback", "failing callback", "slow callback", "no callback", "disconnected session", "unknown session"
	ref       string // the session's scenario name (as asked)
	owner     string // the ref whose callbacks the session has
	id        string
	provider  string
	label     string    // the callback it must invoke, for a callback
	cb        *Callback // that callback
}

func (x *run) expect(ref, provider string) expectation {
	id, known := x.ids[ref]
	e := expectation{ref: ref, provider: provider, id: id}
	switch {
	case !known:
		e.id, e.condition = ref, "unknown session"
		return e
	case x.gone[id]:
		e.condition = "disconnected session"
		return e
	}
	e.owner = x.owner[id]
	for _, p := range x.provs[e.owner] {
		if p.wireName() == provider && p.Callback != nil {
			e.label, e.cb = label(e.owner, p.Name), p.Callback
			n := x.calls[e.label] + 1
			switch {
			case e.cb.response(n).Fail:
				e.condition = "failing callback"
			case e.cb.response(n).DelayMs >= 1000:
				e.condition = "slow callback"
			default:
				e.condition = "callback"
			}
			return e
		}
	}
	e.condition = "no callback"
	return e
}

// ruleFor is the rule a request of this kind that gets no answer, or the
// wrong kind of answer, breaks.
func (e expectation) rule() string {
	switch e.condition {
	case "unknown session", "disconnected session":
		return "BT-8"
	case "no callback":
		return "BT-9"
	case "failing callback":
		return "BT-10"
	case "slow callback":
		return "BT-12"
	}
	return "BT-6"
}

func (x *run) ask(s Step) {
	for range s.Count {
		e := x.expect(s.Ref, s.Provider)
		x.sent++
		x.out.Conditions[e.condition]++
		k := x.sent
		ans, err := x.rt.AskToken(x.ctx, fakeruntime.TokenRequest{SessionID: e.id, ProviderName: s.Provider})
		invs := x.newInvocations()
		x.checkOne(e, k, ans, err, invs)
		if x.stop || err != nil {
			return
		}
	}
}

func (x *run) askUnknown(s Step) {
	e := expectation{condition: "unknown session", ref: s.Ref, id: s.Ref, provider: s.Provider}
	x.sent++
	x.out.Conditions[e.condition]++
	k := x.sent
	ans, err := x.rt.AskToken(x.ctx, fakeruntime.TokenRequest{SessionID: s.Ref, ProviderName: s.Provider})
	x.checkOne(e, k, ans, err, x.newInvocations())
}

// newInvocations are the invocations since the last call.
func (x *run) newInvocations() []driver.Invocation {
	cctx, cancel := context.WithTimeout(x.ctx, commandTimeout)
	defer cancel()
	all, err := x.d.Invocations(cctx)
	if !x.check(err == nil, "setup", "listing invocations", func() string { return fmt.Sprintf("invocations: %v", err) }) {
		return nil
	}
	if len(all) < x.seen {
		x.seen = len(all)
	}
	out := all[x.seen:]
	x.seen = len(all)
	return out
}

// checkOne checks one request (token request k of the workload) asked
// alone: its answer and the invocations made while it was in flight.
func (x *run) checkOne(e expectation, k int, ans fakeruntime.TokenAnswer, askErr error, invs []driver.Invocation) {
	cond := e.condition
	answeredThen := fmt.Sprintf("token request %d was answered with a JSON-RPC error", k)
	if !x.check(askErr == nil, e.rule(), cond, func() string {
		return fmt.Sprintf("token request %d (session %q, provider %q) got no answer: %v", k, e.ref, e.provider, askErr)
	}, x.tokenThen(e, k)) {
		return
	}
	if ans.Error != nil {
		x.observe("error code, "+cond, ans.Error.Code)
	}
	if e.label == "" { // no callback may run; the answer is an error
		for _, inv := range invs {
			rule := e.rule()
			if cond == "no callback" {
				rule = "BT-5"
			}
			x.check(false, rule, cond, func() string {
				return fmt.Sprintf("token request %d (%s, provider %q) invoked %s", k, cond, e.provider, showInv(inv))
			}, answeredThen, fmt.Sprintf("the callback %q was not invoked", inv.Callback))
			x.calls[inv.Callback]++
		}
		x.check(ans.Error != nil && strings.TrimSpace(ans.Error.Message) != "" && len(ans.Result) == 0, e.rule(), cond, func() string {
			return fmt.Sprintf("token request %d (%s, session %q, provider %q) was answered with %s, want a JSON-RPC error", k, cond, e.ref, e.provider, shorten(ans.String()))
		}, answeredThen)
		return
	}
	// A callback: exactly one invocation, of that callback, with the
	// request's names; the answer is what it returned.
	var mine []driver.Invocation
	for _, inv := range invs {
		if x.checkInvocation(e, inv, k) {
			mine = append(mine, inv)
		}
		x.calls[inv.Callback]++
	}
	if x.stop {
		return
	}
	want := x.calls[e.label]
	if !x.check(len(mine) == 1, "BT-6", cond, func() string {
		return fmt.Sprintf("token request %d (session %q, provider %q) invoked %s %d times, want once", k, e.ref, e.provider, e.label, len(mine))
	}, invokedThen(e.label, want-len(mine)+1)) {
		return
	}
	x.checkAnswer(e, k, ans, mine[0])
}

// checkInvocation checks that an invocation made for a request is of the
// callback it names, with its names in the arguments (BT-4, BT-5, BT-7,
// BT-8, BT-13). It reports whether the invocation is the expected one.
func (x *run) checkInvocation(e expectation, inv driver.Invocation, k int) bool {
	cond := e.condition
	invRef, _, _ := strings.Cut(inv.Callback, "/")
	if inv.Callback != e.label {
		rule := "BT-5"
		switch {
		case x.from[e.owner] == invRef:
			rule = "BT-13"
		case invRef != e.owner:
			rule = "BT-8"
		case e.provider == defaultName:
			rule = "BT-4"
		}
		x.check(false, rule, cond, func() string {
			return fmt.Sprintf("token request %d (session %q, provider %q) invoked %s, want %s", k, e.ref, e.provider, showInv(inv), e.label)
		}, fmt.Sprintf("the callback %q was not invoked", inv.Callback))
		return false
	}
	var args map[string]any
	_ = json.Unmarshal(inv.Args, &args)
	var argNames []string
	for k := range args {
		argNames = append(argNames, k)
	}
	sort.Strings(argNames)
	x.observe("callback arguments", strings.Join(argNames, "+"))
	name, _ := inv.Arg("providerName")
	rule := "BT-5"
	if e.provider == defaultName {
		rule = "BT-4"
	}
	x.check(name == e.provider, rule, cond, func() string {
		return fmt.Sprintf("token request %d for provider %q invoked %s with providerName %v", k, e.provider, showInv(inv), name)
	}, fmt.Sprintf("every invocation of the callback %q received the providerName %q", e.label, e.provider))
	if x.r.Hello.Generation >= 2 {
		sid, _ := inv.Arg("sessionId")
		x.check(sid == e.id, "BT-7", cond, func() string {
			return fmt.Sprintf("token request %d of session %s invoked %s with sessionId %v", k, e.id, showInv(inv), sid)
		}, fmt.Sprintf("every invocation of the callback %q received the sessionId of session %q", e.label, e.ref))
	}
	return true
}

// checkAnswer checks the answer against what the invocation did: its token
// byte for byte (BT-6, BT-12), or a JSON-RPC error for a failure (BT-10).
func (x *run) checkAnswer(e expectation, k int, ans fakeruntime.TokenAnswer, inv driver.Invocation) {
	cond := e.condition
	if inv.Error != nil {
		x.check(ans.Error != nil && strings.TrimSpace(ans.Error.Message) != "" && len(ans.Result) == 0, "BT-10", cond, func() string {
			return fmt.Sprintf("token request %d: the callback failed (%s) and the SDK answered %s, want a JSON-RPC error", k, showInv(inv), shorten(ans.String()))
		}, fmt.Sprintf("token request %d was answered with a JSON-RPC error", k))
		return
	}
	if inv.Token == nil {
		return // a driver's record without a token: nothing to compare
	}
	rule := "BT-6"
	if cond == "slow callback" {
		rule = "BT-12"
	}
	x.check(ans.Error == nil && ans.IsToken && ans.Token == *inv.Token && isOnlyToken(ans.Result), rule, cond, func() string {
		return fmt.Sprintf("token request %d (session %q, provider %q): the callback returned %s and the SDK answered %s", k, e.ref, e.provider,
			describeToken(*inv.Token), describeAnswer(ans, *inv.Token))
	}, x.tokenThen(e, k))
}

// tokenThen is the step that states request k's answer.
func (x *run) tokenThen(e expectation, k int) string {
	if e.label == "" || e.cb == nil {
		return fmt.Sprintf("token request %d was answered with a JSON-RPC error", k)
	}
	tok, ok := e.cb.TokenFor(x.calls[e.label] + 1)
	if !ok {
		return fmt.Sprintf("token request %d was answered with a JSON-RPC error", k)
	}
	if e.condition != "callback" && e.condition != "slow callback" {
		return fmt.Sprintf("token request %d was answered with a JSON-RPC error", k)
	}
	if len(tok) > 200 {
		return `each token answer is exactly {"token": <the string its callback invocation returned>}`
	}
	return fmt.Sprintf("token request %d was answered with the token %s", k, quote(tok))
}

func isOnlyToken(result json.RawMessage) bool {
	var m map[string]any
	return json.Unmarshal(result, &m) == nil && len(m) == 1
}

func describeToken(t string) string {
	if len(t) <= 80 {
		return fmt.Sprintf("%q (%d bytes)", t, len(t))
	}
	return fmt.Sprintf("%q... (%d bytes)", strings.ToValidUTF8(t[:60], ""), len(t))
}

func describeAnswer(a fakeruntime.TokenAnswer, want string) string {
	if !a.IsToken {
		return a.String()
	}
	s := "token " + describeToken(a.Token)
	switch {
	case strings.HasPrefix(a.Token, "Bearer "):
		s += ", with a \"Bearer \" prefix"
	case len(a.Token) < len(want) && strings.HasPrefix(want, a.Token):
		s += fmt.Sprintf(", the first %d of its %d bytes", len(a.Token), len(want))
	}
	if !isOnlyToken(a.Result) {
		s += ", in a result with other members: " + string(a.Result[:min(len(a.Result), 200)])
	}
	return s
}

// burst sends every request of the step at once and checks them once all
// are answered: each answered once (BT-11), each provider's answers the
// tokens its own invocations returned, one invocation per request (BT-6),
// nothing reaching another session or provider (BT-5, BT-8).
func (x *run) burst(s Step) {
	type sent struct {
		e expectation
		p *fakeruntime.PendingToken
	}
	var all []sent
	for range s.Count {
		for _, t := range s.Targets {
			e := x.expect(t.Ref, t.Provider)
			x.sent++
			x.out.Conditions["burst"]++
			all = append(all, sent{e, x.rt.StartAskToken(x.ctx, fakeruntime.TokenRequest{SessionID: e.id, ProviderName: t.Provider})})
		}
	}
	answers := map[string][]fakeruntime.TokenAnswer{} // label -> answers
	for _, r := range all {
		a, err := r.p.Wait()
		if !x.check(err == nil, "BT-11", "burst", func() string {
			return fmt.Sprintf("a token request of a burst of %d (session %q, provider %q) got no answer: %v", len(all), r.e.ref, r.e.provider, err)
		}, invokedThen(r.e.label, x.calls[r.e.label]+s.Count)) {
			return
		}
		answers[r.e.label] = append(answers[r.e.label], a)
	}
	invs := x.newInvocations()
	byLabel := map[string][]driver.Invocation{}
	for _, inv := range invs {
		var e *expectation
		for i := range all {
			if all[i].e.label == inv.Callback {
				e = &all[i].e
				break
			}
		}
		if e == nil {
			x.check(false, burstRule(x, inv, all[0].e), "burst", func() string {
				return fmt.Sprintf("a burst for %v invoked %s, a callback no request of it names", s.Targets, showInv(inv))
			}, fmt.Sprintf("the callback %q was not invoked", inv.Callback))
			return
		}
		if !x.checkInvocation(*e, inv, 0) {
			return
		}
		byLabel[inv.Callback] = append(byLabel[inv.Callback], inv)
	}
	for label, as := range answers {
		got := byLabel[label]
		before := x.calls[label]
		x.calls[label] += len(got)
		if !x.check(len(got) == len(as), "BT-11", "burst", func() string {
			return fmt.Sprintf("a burst sent %d requests for %s and it was invoked %d times", len(as), label, len(got))
		}, invokedThen(label, before+len(as))) {
			return
		}
		// The answers must be the invocations' results, as multisets.
		want := map[string]int{}
		for _, inv := range got {
			if inv.Token != nil {
				want["token "+*inv.Token]++
			} else {
				want["error"]++
			}
		}
		for _, a := range as {
			key := "error"
			if a.Error == nil {
				key = "token " + a.Token
				if !a.IsToken || !isOnlyToken(a.Result) {
					key = "result " + string(a.Result)
				}
			}
			want[key]--
		}
		for key, n := range want {
			// As many answers as invocations, but not their tokens: BT-6.
			x.check(n == 0, "BT-6", "burst", func() string {
				return fmt.Sprintf("a burst's answers for %s do not match what its invocations returned: %s is off by %d (the answers: %s)",
					label, shorten(key), n, listAnswers(as))
			}, `each token answer is exactly {"token": <the string its callback invocation returned>}`)
			if x.stop {
				return
			}
		}
	}
}

func burstRule(x *run, inv driver.Invocation, e expectation) string {
	invRef, _, _ := strings.Cut(inv.Callback, "/")
	if _, ok := x.ids[invRef]; ok && x.gone[x.ids[invRef]] {
		return "BT-8"
	}
	return "BT-5"
}

// showInv is an invocation for a message, its token cut short.
func showInv(inv driver.Invocation) string {
	if inv.Token != nil {
		return fmt.Sprintf("%s(%s) -> %s", inv.Callback, inv.Args, describeToken(*inv.Token))
	}
	return shorten(inv.String())
}

func shorten(s string) string {
	if len(s) > 200 {
		return fmt.Sprintf("%s... (%d bytes)", strings.ToValidUTF8(s[:180], ""), len(s))
	}
	return s
}

func listAnswers(as []fakeruntime.TokenAnswer) string {
	var parts []string
	for _, a := range as {
		parts = append(parts, shorten(a.String()))
	}
	return strings.Join(parts, "; ")
}

// checkOpenFrame checks the session.create or session.resume frame of a
// session (BT-1, BT-2, BT-3).
func (x *run) checkOpenFrame(s Step, method, id string) {
	params, raw := x.rt.Log().SessionOpen(method, id)
	in := fmt.Sprintf("in the %s request for session %q, ", method, s.Ref)
	if !x.check(params != nil, "BT-1", "opening a session", func() string {
		return fmt.Sprintf("no %s request on the wire for session %s", method, id)
	}) {
		return
	}
	for _, p := range s.providers() {
		which := "the singular provider"
		wp, _ := params["provider"].(map[string]any)
		if p.Name != "" {
			which = fmt.Sprintf("provider %q", p.Name)
			wp = namedWireProvider(params, p.Name)
		}
		if !x.check(wp != nil, "BT-2", "opening a session", func() string {
			return fmt.Sprintf("%s has no %s: %s", method, which, shorten(string(raw)))
		}) {
			return
		}
		flag, _ := wp["hasBearerTokenProvider"].(bool)
		if p.Callback != nil {
			x.check(flag, "BT-1", "opening a session", func() string {
				return fmt.Sprintf("%s%s lacks \"hasBearerTokenProvider\": true: %v", in, which, wp)
			}, in+which+` has "hasBearerTokenProvider": true`)
		} else {
			x.check(!flag, "BT-2", "opening a session", func() string {
				return fmt.Sprintf("%s%s has no callback but is flagged: %v", in, which, wp)
			}, in+which+` does not have "hasBearerTokenProvider": true`)
		}
		for key, want := range map[string]string{"apiKey": p.APIKey, "bearerToken": p.BearerToken} {
			if want != "" {
				got, _ := wp[key].(string)
				x.check(got == want, "BT-2", "opening a session", func() string {
					return fmt.Sprintf("%s%s has %q: %q, want %q", in, which, key, got, want)
				}, fmt.Sprintf(`%s%s has "%s": %q`, in, which, key, want))
			}
		}
	}
	var wireProviders []any
	if p, ok := params["provider"]; ok {
		wireProviders = append(wireProviders, p)
	}
	if list, ok := params["providers"].([]any); ok {
		wireProviders = append(wireProviders, list...)
	}
	found := contract.FindKeys(wireProviders, "providers", contract.CallbackKeys)
	x.check(len(found) == 0, "BT-2", "opening a session", func() string {
		return fmt.Sprintf("%s carries a key naming the callback: %v", method, found)
	}, in+"no provider has a key naming the callback")
	found = contract.FindKeys(wireProviders, "providers", contract.ScopeKeys)
	x.check(len(found) == 0, "BT-3", "opening a session", func() string {
		return fmt.Sprintf("%s carries a scope, audience or expiry key: %v", method, found)
	}, in+"no provider has a key for a scope, an audience or an expiry")
	for _, p := range s.providers() {
		if p.Callback == nil {
			continue
		}
		for n := 1; n <= 3; n++ {
			tok, ok := p.Callback.TokenFor(n)
			if !ok || len(tok) < 8 {
				continue
			}
			enc, _ := json.Marshal(tok)
			x.check(!strings.Contains(string(raw), string(enc[1:len(enc)-1])), "BT-3", "opening a session", func() string {
				return fmt.Sprintf("%s carries the token %s before any token request", method, describeToken(tok))
			}, fmt.Sprintf("the session.create request for session %q contains none of the tokens its callbacks return", s.Ref))
		}
	}
}

func namedWireProvider(params map[string]any, name string) map[string]any {
	list, _ := params["providers"].([]any)
	for _, item := range list {
		if p, ok := item.(map[string]any); ok && p["name"] == name {
			return p
		}
	}
	return nil
}

// invokedThen is the step that states how many times a callback ran.
func invokedThen(label string, n int) string {
	if n == 1 {
		return fmt.Sprintf("the callback %q was invoked 1 time", label)
	}
	return fmt.Sprintf("the callback %q was invoked %d times", label, n)
}

// checkAnsweredOnce looks in the runtime's problems for an answer to a
// request it never sent or had answered already (jsonrpc2 logs those):
// a request answered twice (BT-11).
func (x *run) checkAnsweredOnce() {
	probs := x.rt.Problems()
	for _, p := range probs[min(x.probs, len(probs)):] {
		x.check(!strings.Contains(p, "no corresponding request"), "BT-11", "answered twice", func() string {
			return "the SDK sent an answer the runtime had no request for (a request answered twice?): " + strings.TrimSpace(p)
		})
	}
	x.probs = len(probs)
}
