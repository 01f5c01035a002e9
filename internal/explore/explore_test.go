package explore

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"

	"conformance/internal/driver"
	"conformance/internal/expectations"
)

func refRunner(bug string) *Runner {
	return &Runner{StartDriver: startRef(bug), Hello: refHello, TokenTimeout: 2 * time.Second}
}

// The explorer finds a bug that no feature reaches (a token over 10 KB cut
// short, only while a second session exists), shrinks the workload to a
// scenario of at most 10 steps, and prints it as Gherkin that parses, in
// the steps' own phrases.
func TestExplorerFindsAndShrinksAPlantedViolation(t *testing.T) {
	var out bytes.Buffer
	r := refRunner(bugTruncateLong)
	sum, err := r.Explore(context.Background(), Config{Seed: 1, N: 300, ShrinkRuns: 80, MaxFindings: 1, Replay: "make explore SDK=ref SEED=%d N=1", Out: &out,
		Budget: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.New) == 0 {
		t.Fatalf("no violation found in %d workloads:\n%s", sum.Workloads, out.String())
	}
	f := sum.New[0]
	t.Logf("found after %d workloads:\n%s", sum.Workloads, f.Scenario)
	if f.Violation.Rule != "BT-6" {
		t.Errorf("found %s, want the planted BT-6: %s", f.Violation.Rule, f.Violation.Message)
	}
	steps := scenarioSteps(t, f.Scenario)
	if len(steps) > 10 {
		t.Errorf("the shrunk scenario has %d steps, want at most 10:\n%s", len(steps), f.Scenario)
	}
	checkPhrases(t, steps)
	if !strings.Contains(f.Scenario, "SEED=") {
		t.Errorf("the scenario does not say how to replay its seed:\n%s", f.Scenario)
	}
	// The shrunk workload still needs both conditions: a second session
	// and a token over 10 KB.
	if !strings.Contains(f.Scenario, `session "B"`) && !strings.Contains(f.Scenario, `session "C"`) {
		t.Errorf("the shrunk scenario has one session, but the bug needs two:\n%s", f.Scenario)
	}
	// Replaying the seed finds the same violation.
	again, err := r.Run(context.Background(), Generate(f.Seed, refHello))
	if err != nil {
		t.Fatal(err)
	}
	if v := again.New(); v == nil || v.Rule != "BT-6" {
		t.Errorf("replaying seed %d found %v, want BT-6", f.Seed, again.Violations)
	}
}

// scenarioSteps parses a printed scenario as godog would, under a
// feature with the features' Background, and returns its steps' texts.
func scenarioSteps(t *testing.T, scenario string) []string {
	t.Helper()
	doc := "Feature: explorer\n  Background:\n    Given the Copilot runtime under test and a model endpoint\n" +
		"    And the SDK under test is connected to the runtime\n\n  Rule: BT-0 a rule\n\n" + scenario
	parsed, err := gherkin.ParseGherkinDocument(strings.NewReader(doc), (&messages.Incrementing{}).NewId)
	if err != nil {
		t.Fatalf("the printed scenario does not parse: %v\n%s", err, doc)
	}
	var texts []string
	for _, p := range gherkin.Pickles(*parsed, "explorer.feature", (&messages.Incrementing{}).NewId) {
		for _, s := range p.Steps[2:] { // after the Background's
			texts = append(texts, s.Text)
		}
	}
	if len(texts) == 0 {
		t.Fatalf("the printed scenario has no steps:\n%s", scenario)
	}
	return texts
}

// checkPhrases checks each step text against the step patterns steps/*.go
// registers, read from its source.
func checkPhrases(t *testing.T, texts []string) {
	t.Helper()
	files, _ := filepath.Glob("../../steps/*_steps.go")
	pattern := regexp.MustCompile("sc\\.step\\(ctx, (?:request\\+)?(?:provider\\+)?`([^`]+)`")
	var res []*regexp.Regexp
	const request = `^in the (session\.create|session\.resume) request for session "([^"]+)", `
	const provider = `(the singular provider|provider "[^"]+")`
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range pattern.FindAllStringSubmatch(string(src), -1) {
			res = append(res, regexp.MustCompile(m[1]))
		}
		// The wire steps are built from these two prefixes.
		for _, m := range regexp.MustCompile("request\\+provider\\+`([^`]+)`").FindAllStringSubmatch(string(src), -1) {
			res = append(res, regexp.MustCompile(request+provider+m[1]))
		}
		for _, m := range regexp.MustCompile("request\\+`([^`]+)`").FindAllStringSubmatch(string(src), -1) {
			res = append(res, regexp.MustCompile(request+m[1]))
		}
	}
	if len(res) < 20 {
		t.Fatalf("found only %d step patterns in steps/", len(res))
	}
	for _, text := range texts {
		ok := false
		for _, re := range res {
			if re.MatchString(text) {
				ok = true
				break
			}
		}
		if !ok {
			t.Errorf("no step of steps/ matches %q", text)
		}
	}
}

// The same seed and hello give the same workload; another seed another.
func TestGenerateIsDeterministic(t *testing.T) {
	for seed := uint64(1); seed <= 50; seed++ {
		a, b := Generate(seed, refHello), Generate(seed, refHello)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("seed %d gave two workloads", seed)
		}
		if !a.valid() {
			t.Fatalf("seed %d gave an invalid workload: %+v", seed, a)
		}
	}
	if reflect.DeepEqual(Generate(1, refHello), Generate(2, refHello)) {
		t.Fatal("seeds 1 and 2 gave the same workload")
	}
}

// Every workload prints as a scenario that godog's parser reads (no line
// over its 64 KiB limit), in the steps' phrases.
func TestEveryWorkloadPrintsAsAScenarioThatParses(t *testing.T) {
	for seed := uint64(1); seed <= 200; seed++ {
		w := Generate(seed, refHello)
		text := Gherkin(w, Violation{Rule: "BT-0", Condition: "printed", Step: len(w.Steps) - 1}, "replay")
		for _, line := range strings.Split(text, "\n") {
			if len(line) >= 64<<10-1 {
				t.Fatalf("seed %d: a line of %d bytes", seed, len(line))
			}
		}
		checkPhrases(t, scenarioSteps(t, text))
	}
}

// The generator keeps to what the driver declared: no resume, disconnect
// or named providers without the capability, and the tokens fit the
// contract's sizes.
func TestGenerateRespectsTheHello(t *testing.T) {
	bare := driver.Hello{SDK: "bare", Generation: 1}
	for seed := uint64(1); seed <= 200; seed++ {
		for _, s := range Generate(seed, bare).Steps {
			if s.Kind == Resume || s.Kind == Disconnect || len(s.Named) > 0 {
				t.Fatalf("seed %d: %s step for a driver without the capability: %+v", seed, s.Kind, s)
			}
			for _, p := range s.providers() {
				if p.Callback != nil && p.Callback.Style != "" {
					t.Fatalf("seed %d: callback style %q undeclared", seed, p.Callback.Style)
				}
			}
		}
	}
	sizes := map[bool]bool{}
	for seed := uint64(1); seed <= 300; seed++ {
		for _, s := range Generate(seed, refHello).Steps {
			for _, p := range s.providers() {
				if p.Callback == nil {
					continue
				}
				for _, r := range p.Callback.Responses {
					if len(r.Token) > maxToken {
						t.Fatalf("seed %d: a token of %d bytes", seed, len(r.Token))
					}
					if !r.Fail {
						sizes[len(r.Token) > 16<<10] = true
					}
				}
			}
		}
	}
	if !sizes[true] || !sizes[false] {
		t.Errorf("300 seeds gave no tokens over 16 KB, or none under: %v", sizes)
	}
}

// Each invariant check fails on an SDK that breaks its rule: a workload
// that reaches the planted bug gives a violation of that rule.
func TestEachCheckCanFail(t *testing.T) {
	tok := func(t string, delay int) *Callback {
		return &Callback{Responses: []Response{{Token: t, DelayMs: delay}}}
	}
	singular := func(ref string, cb *Callback) Step {
		return Step{Kind: Create, Ref: ref, Singular: &Provider{Callback: cb}}
	}
	named := Step{Kind: Create, Ref: "A", Named: []Provider{
		{Name: "red", Callback: tok("red-{n}", 0)}, {Name: "blue", Callback: tok("blue-{n}", 0)}, {Name: "plain", APIKey: "key-1"}}}
	ask := func(ref, p string, n int) Step { return Step{Kind: Ask, Ref: ref, Provider: p, Count: n} }
	cases := []struct {
		bug, rule string
		steps     []Step
	}{
		{bugNoFlag, "BT-1", []Step{named}},
		{bugCallbackKey, "BT-2", []Step{singular("A", tok("t-{n}", 0))}},
		{bugFlagWithout, "BT-2", []Step{named}},
		{bugScopeKey, "BT-3", []Step{singular("A", tok("t-{n}", 0))}},
		{bugDefaultName, "BT-4", []Step{singular("A", tok("t-{n}", 0)), ask("A", "default", 1)}},
		{bugWrongProvider, "BT-5", []Step{named, ask("A", "blue", 1)}},
		{bugInvokeNoCb, "BT-5", []Step{named, ask("A", "plain", 1)}},
		{bugCache, "BT-6", []Step{singular("A", tok("t-{n}", 0)), ask("A", "default", 2)}},
		{bugBearerPrefix, "BT-6", []Step{singular("A", tok("t-{n}", 0)), ask("A", "default", 1)}},
		{bugNoSessionID, "BT-7", []Step{singular("A", tok("t-{n}", 0)), ask("A", "default", 1)}},
		{bugOtherSession, "BT-8", []Step{singular("A", tok("a-{n}", 0)), singular("B", tok("b-{n}", 0)), ask("B", "default", 1)}},
		{bugUnknownSilent, "BT-8", []Step{singular("A", tok("a-{n}", 0)), {Kind: AskUnknown, Ref: "no-such-session-1", Provider: "default"}}},
		{bugKeepDisconnect, "BT-8", []Step{singular("A", tok("a-{n}", 0)), {Kind: Disconnect, Ref: "A"}, ask("A", "default", 1)}},
		{bugNoCbToken, "BT-9", []Step{named, ask("A", "ghost", 1)}},
		{bugFailAsToken, "BT-10", []Step{singular("A", &Callback{Responses: []Response{{Fail: true}, {Token: "t-{n}"}}}), ask("A", "default", 2)}},
		{bugAnswerTwice, "BT-11", []Step{singular("A", tok("t-{n}", 0)), ask("A", "default", 2)}},
		{bugBurstDouble, "BT-11", []Step{named, {Kind: Burst, Count: 4, Targets: []Target{{"A", "red"}, {"A", "blue"}}}}},
		{bugCutSlow, "BT-12", []Step{singular("A", tok("slow-{n}", 1500)), ask("A", "default", 1)}},
		{bugResumeOldCbs, "BT-13", []Step{singular("A", tok("a-{n}", 0)), {Kind: Resume, Ref: "B", From: "A", Singular: &Provider{Callback: tok("b-{n}", 0)}}, ask("B", "default", 1)}},
	}
	for _, c := range cases {
		t.Run(c.rule+" "+c.bug, func(t *testing.T) {
			w := Workload{Seed: 7, Steps: c.steps}
			clean, err := refRunner(bugNone).Run(context.Background(), w)
			if err != nil {
				t.Fatal(err)
			}
			if len(clean.Violations) > 0 || clean.Checks == 0 {
				t.Fatalf("the workload breaks a rule without the bug, or checks nothing (%d checks): %v", clean.Checks, clean.Violations)
			}
			out, err := refRunner(c.bug).Run(context.Background(), w)
			if err != nil {
				t.Fatal(err)
			}
			v := out.New()
			if v == nil {
				t.Fatalf("no violation found; checks %d", out.Checks)
			}
			if v.Rule != c.rule {
				t.Errorf("found %s, want %s", v, c.rule)
			}
			if len(v.Then) == 0 && v.Condition != "answered twice" {
				t.Errorf("the violation names no step that checks it: %s", v)
			}
			checkPhrases(t, scenarioSteps(t, Gherkin(w, *v, "replay")))
		})
	}
}

// A violation that the SDK's expectations file records is reported as
// known and does not end the workload; the same violation without the
// record is new.
func TestKnownViolationsAreMarked(t *testing.T) {
	f, err := expectations.Parse("ref.yaml", []byte(`sdk: ref
known_failures:
  - scenario: "A request naming a disconnected session gets an error, and the connection stays usable"
    step: "token request 1 was answered with a JSON-RPC error"
    message: 'want a JSON-RPC error'
    versions: all
    reason: "BT-8. the ref driver keeps disconnected sessions"
`))
	if err != nil {
		t.Fatal(err)
	}
	w := Workload{Steps: []Step{
		{Kind: Create, Ref: "A", Singular: &Provider{Callback: &Callback{Responses: []Response{{Token: "a-{n}"}}}}},
		{Kind: Create, Ref: "B", Singular: &Provider{Callback: &Callback{Responses: []Response{{Token: "b-{n}"}}}}},
		{Kind: Disconnect, Ref: "A"},
		{Kind: Ask, Ref: "A", Provider: "default", Count: 1},
		{Kind: Ask, Ref: "B", Provider: "default", Count: 2},
	}}
	r := refRunner(bugKeepDisconnect)
	r.Known = Known{file: f, version: "0.0.1"}
	out, err := r.Run(context.Background(), w)
	if err != nil {
		t.Fatal(err)
	}
	if out.New() != nil || len(out.Violations) == 0 || out.Violations[0].Known == "" {
		t.Fatalf("want only known violations, got %v", out.Violations)
	}
	if out.Steps != len(w.Steps) {
		t.Errorf("a known violation ended the workload at step %d of %d", out.Steps, len(w.Steps))
	}
	r.Known = Known{}
	out, _ = r.Run(context.Background(), w)
	if v := out.New(); v == nil || v.Rule != "BT-8" {
		t.Errorf("without the record want a new BT-8, got %v", out.Violations)
	}
}

// The shrinker keeps only what the violation needs.
func TestShrinkDropsWhatTheViolationDoesNotNeed(t *testing.T) {
	w := Generate(11, refHello)
	w.Steps = append([]Step{
		{Kind: Create, Ref: "X", Singular: &Provider{Callback: &Callback{Responses: []Response{{Token: "x-{n}"}}}}},
	}, w.Steps...)
	w.Steps = append(w.Steps, Step{Kind: Ask, Ref: "X", Provider: "default", Count: 3})
	r := refRunner(bugCache)
	out, err := r.Run(context.Background(), w)
	if err != nil {
		t.Fatal(err)
	}
	v := out.New()
	if v == nil || v.Rule != "BT-6" {
		t.Skipf("seed 11's workload shows %v first; the test needs the cache bug's BT-6", out.Violations)
	}
	sw, sv, runs := Shrink(context.Background(), r.Run, w, *v, 100, time.Now().Add(time.Minute), nil)
	if len(sw.Steps) > 2 || sw.Requests() > 2 {
		t.Errorf("after %d runs the workload has %d steps and %d requests, want a session and 2 requests:\n%s", runs, len(sw.Steps), sw.Requests(), Gherkin(sw, sv, ""))
	}
}
