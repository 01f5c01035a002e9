package steps

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"conformance/internal/differential"
	"conformance/internal/driver"
	"conformance/internal/expectations"
	"conformance/internal/fakeruntime"
	"conformance/internal/modelendpoint"
	"conformance/internal/realruntime"
)

// SerialTag marks a scenario that measures time (a bound in milliseconds,
// a round trip): it runs while no other scenario on the machine does, so
// that what it measures is the SDK, not the scenarios beside it.
const SerialTag = "@serial"

// AloneStep is the step after which a SerialTag scenario runs alone on the
// machine. What comes before it (starting the driver, creating sessions)
// is setup, not what the scenario measures, so it runs beside the other
// scenarios as theirs does; the machine is the scenario's own only from
// this step to its end. Every serial scenario waits for the running
// scenarios to end first, so the shorter its turn alone, the less the
// machine idles. A serial scenario without the step runs alone whole.
const AloneStep = "no other scenario runs on the machine from here on"

// Bounds on the waits of one scenario. Each is far above what a healthy
// SDK needs (a turn takes milliseconds against the fake runtime, well
// under a second against the real one) and low
// enough that a hung SDK fails the scenario quickly with a message.
//
// A turn is the suite's to time: the suite waits turnTimeout for send, and
// tells the driver to wait turnTimeout + driver.TurnMargin (30 s), so a
// hung turn always ends as the suite's deadline, never as an SDK timeout
// error that a step could take for the turn's reported error. A driver
// waits at most 5 s for session.idle after an SDK error, inside that budget.
const (
	DriverStartTimeout = 60 * time.Second // a cold Node start on a busy CI (the run's first start too)
	commandTimeout     = 30 * time.Second
	turnTimeout        = 20 * time.Second
	tokenTimeout       = 15 * time.Second
)

// scenario is the state of one scenario: Initialize makes a new one for
// each, so scenarios share nothing but the run's Env.
type scenario struct {
	env *Env // the run's, shared by its scenarios

	runtime runtimeUnderTest     // what the SDK connects to
	fake    *fakeruntime.Runtime // the same runtime, when it is the fake one
	ownReal *realruntime.Runtime // a real runtime of this scenario's own (stdio), behind runtime
	model   *modelendpoint.Server
	driver  *driver.Driver

	sessions     map[string]string           // scenario's ref -> session id
	callbacks    map[string]*driver.Callback // "<ref>/<provider>" -> behaviour given
	lastReply    string
	turns        []driver.Turn              // of the last turns sent at once
	observations []expectations.Observation // recorded by "observed behaviour" steps

	notApplicable string        // why the scenario does not apply, if it does not
	needs         []string      // driver capabilities the scenario's @needs-<capability> tags ask for
	failedStep    string        // the text of the step that failed, if one did
	turnTimeout   time.Duration // how long a turn may take (turnTimeout; shorter in tests)

	// Token requests the runtime sent without waiting for their answers
	// ("... and does not wait for the answer"), awaited by later steps.
	pendingTokens []*fakeruntime.PendingToken
	secret        string        // this scenario's random token stem, see secretStem
	tools         []driver.Tool // client tools every session the scenario opens registers
	refusedConfig bool          // the SDK refused the session config an observation gave it

	leaveGate func() // ends the scenario's turn at the Gate
	serial    bool   // tagged SerialTag: what it measures runs alone on the machine
}

func newScenario(env *Env) *scenario {
	return &scenario{env: env, sessions: map[string]string{}, callbacks: map[string]*driver.Callback{}, turnTimeout: turnTimeout,
		leaveGate: func() {}}
}

// register wires the scenario's hooks and steps into godog.
func (sc *scenario) register(ctx *godog.ScenarioContext) {
	ctx.Before(sc.before)
	ctx.After(sc.after)
	ctx.StepContext().After(sc.afterStep)
	sc.registerSessionSteps(ctx)
	sc.registerWireSteps(ctx)
	sc.registerTokenSteps(ctx)
	sc.registerModelSteps(ctx)
	sc.registerTentativeSteps(ctx)
	sc.registerObservedSteps(ctx)
	sc.registerWorldSteps(ctx)
	sc.registerToolSteps(ctx)
}

func (sc *scenario) before(ctx context.Context, p *godog.Scenario) (context.Context, error) {
	sc.needs = neededCapabilities(p)
	if why := sc.env.notApplicable(p); why != "" {
		sc.notApplicable = why
		return ctx, godog.ErrSkip
	}
	sc.serial = hasTag(p, SerialTag)
	leave, err := sc.env.Gate.Enter(ctx, sc.serial && !hasStep(p, AloneStep))
	if err != nil {
		return ctx, err
	}
	sc.leaveGate = leave
	return ctx, nil
}

// runAlone is AloneStep: the scenario gives up its shared turn at the
// Gate and waits for the machine to be its own.
func (sc *scenario) runAlone(ctx context.Context) error {
	if !sc.serial {
		return fmt.Errorf("%q is for scenarios tagged %s (they measure time); this one is not", AloneStep, SerialTag)
	}
	sc.leaveGate()
	leave, err := sc.env.Gate.Enter(ctx, true)
	if err != nil {
		sc.leaveGate = func() {}
		return err
	}
	sc.leaveGate = leave
	return nil
}

// afterStep remembers the first step that did not pass, for the verdict:
// a known failure names the step it fails at.
func (sc *scenario) afterStep(ctx context.Context, st *godog.Step, status godog.StepResultStatus, _ error) (context.Context, error) {
	if sc.failedStep == "" && status != godog.StepPassed && status != godog.StepSkipped {
		sc.failedStep = st.Text
	}
	return ctx, nil
}

// neededCapabilities reads a scenario's @needs-<capability> tags.
func neededCapabilities(p *godog.Scenario) []string {
	var needs []string
	for _, t := range p.Tags {
		if c, ok := strings.CutPrefix(t.Name, "@needs-"); ok {
			needs = append(needs, c)
		}
	}
	return needs
}

// step registers a step definition whose errors carry what a reader needs
// to understand the failure: the wire log, what the model endpoint saw, the
// callback invocations and the driver's stderr. (godog's after-step hooks
// can only add an error beside the step's, which would print it twice.)
func (sc *scenario) step(ctx *godog.ScenarioContext, expr string, fn any) {
	v := reflect.ValueOf(fn)
	if t := v.Type(); t.NumOut() == 0 || t.Out(t.NumOut()-1) != reflect.TypeFor[error]() {
		// A step that cannot fail has no error to add diagnostics to.
		ctx.Step(expr, fn)
		return
	}
	wrapped := reflect.MakeFunc(v.Type(), func(args []reflect.Value) []reflect.Value {
		out := v.Call(args)
		errOut := out[len(out)-1]
		if errOut.IsNil() {
			return out
		}
		err := sc.stepError(errOut.Interface().(error))
		out[len(out)-1] = reflect.ValueOf(&err).Elem()
		return out
	})
	ctx.Step(expr, wrapped.Interface())
}

// stepError turns a step's error into what godog gets. Only the run's
// configuration makes a scenario not applicable: its tags, checked
// against the driver's hello before it starts (Env.notApplicable),
// or a step only the fake runtime can do on the real one. A driver that
// answers "unsupported" while the scenario runs fails it: either it
// declared the capability the scenario needs, or the scenario needs none
// (every SDK must do it).
func (sc *scenario) stepError(err error) error {
	var unsupported *driver.Error
	switch {
	case errors.As(err, &unsupported) && unsupported.Kind == driver.KindUnsupported:
		declared := fmt.Sprintf("the driver's hello declares capabilities %q", sc.env.Hello.Capabilities)
		if len(sc.needs) == 0 {
			err = fmt.Errorf("%w; but this scenario needs no optional capability (no @needs- tag), so every SDK must do it (%s)", err, declared)
		} else {
			err = fmt.Errorf("%w; but %s, including the %q this scenario needs (its @needs- tags): a driver must not declare what it cannot do", err, declared, sc.needs)
		}
		return fmt.Errorf("%w\n%s", err, sc.diagnostics())
	case errors.Is(err, errNeedsFakeRuntime):
		sc.notApplicable = err.Error()
		return godog.ErrSkip
	default:
		return fmt.Errorf("%w\n%s", err, sc.diagnostics())
	}
}

func (sc *scenario) diagnostics() string {
	var b strings.Builder
	if sc.runtime != nil {
		fmt.Fprintf(&b, "\n--- wire log (%s runtime at %s) ---\n%s", sc.env.RuntimeKind, sc.runtime.Addr(), sc.runtime.Log())
		if p := sc.runtime.Problems(); len(p) > 0 {
			fmt.Fprintf(&b, "--- runtime problems ---\n%s\n", strings.Join(p, "\n"))
		}
	}
	if sc.model != nil {
		fmt.Fprintf(&b, "--- model endpoint requests ---\n%s", sc.model)
	}
	if sc.driver != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if invs, err := sc.driver.Invocations(ctx); err == nil {
			fmt.Fprintf(&b, "--- callback invocations ---\n%s\n", strings.ReplaceAll(listInvocations(invs), "; ", "\n"))
		}
		fmt.Fprintf(&b, "--- driver stderr (last lines) ---\n%s", sc.driver.Stderr())
	}
	return b.String()
}

// after records the scenario's result and stops everything it started. An
// SDK that sent unreadable frames fails the scenario even if every step
// passed: the frames it did send are not the whole story.
//
// It returns only an error of its own: godog already holds the step's.
func (sc *scenario) after(ctx context.Context, p *godog.Scenario, err error) (context.Context, error) {
	defer sc.leaveGate()
	var hookErr error
	if err == nil && sc.runtime != nil {
		if bad := sc.runtime.Log().Errors(); len(bad) > 0 {
			hookErr = fmt.Errorf("the SDK sent %d unreadable frame(s), first: %s\n%s", len(bad), bad[0].Err, sc.diagnostics())
			err = hookErr
		}
	}
	sc.keepWireRecord(p.Name)
	sc.close()
	result := expectations.Result{Feature: featureName(p), Scenario: p.Name, Tags: tagNames(p),
		Status: expectations.Passed, Observations: sc.observations}
	switch {
	case sc.notApplicable != "":
		result.Status, result.Message = expectations.NotApplicable, sc.notApplicable
	case err != nil && !errors.Is(err, godog.ErrSkip):
		result.Status, result.Message, result.Step = expectations.Failed, firstLine(err.Error()), sc.failedStep
		if hookErr != nil || result.Step == "" {
			result.Step = expectations.AfterScenario
		}
	case hasTag(p, "@observed"):
		result.Status = expectations.Observed
	}
	sc.env.Finished(result, err)
	return ctx, hookErr
}

// keepWireRecord saves the scenario's wire log and model requests for the
// differential check between the runtimes (internal/differential).
func (sc *scenario) keepWireRecord(name string) {
	if sc.runtime == nil || sc.model == nil || sc.notApplicable != "" {
		return
	}
	rec := differential.Record{Scenario: name, Frames: sc.runtime.Log().Frames()}
	for _, r := range sc.model.Requests() {
		rec.Model = append(rec.Model, differential.ModelRequest{Path: r.Path, Authorization: r.Authorization})
	}
	if err := rec.Write(sc.env.ResultsDir); err != nil {
		fmt.Fprintf(os.Stderr, "keeping the wire log of %q: %v\n", name, err)
	}
}

func (sc *scenario) close() {
	if sc.driver != nil {
		sc.driver.Close()
	}
	if sc.runtime != nil {
		_ = sc.runtime.Close()
	}
	if sc.ownReal != nil {
		_ = sc.ownReal.Close()
	}
	if sc.model != nil {
		sc.model.Close()
	}
}

func tagNames(p *godog.Scenario) []string {
	var tags []string
	for _, t := range p.Tags {
		tags = append(tags, t.Name)
	}
	return tags
}

func hasStep(p *godog.Scenario, text string) bool {
	for _, st := range p.Steps {
		if st.Text == text {
			return true
		}
	}
	return false
}

func hasTag(p *godog.Scenario, tag string) bool {
	for _, t := range p.Tags {
		if t.Name == tag {
			return true
		}
	}
	return false
}

func featureName(p *godog.Scenario) string {
	name := p.Uri
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	return strings.TrimSuffix(name, ".feature")
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
