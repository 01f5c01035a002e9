// Package dashboard turns the records of any set of conformance runs
// (<results>/<label>/verdict.json, from one machine or several) into the
// parity dashboard: the answer to "which SDK breaks which rule?" on one
// screen. Its data is one Parity value, written as results/parity.json
// (schemas/parity.schema.json), rendered as a self-contained HTML page
// (no network, no script: the drill-down panels open with CSS :target) and
// summarised as a pull-request comment in Markdown.
//
// The first screen is a matrix: a row per rule, as the feature files state
// it (package contract), a column per SDK build (SDK, version, contract
// generation). The runs of one build on different configurations (fake or
// real runtime, tcp or stdio, local or container) share its column; each
// cell says the worst state over them and marks each configuration, so a
// difference between configurations shows without widening the table.
package dashboard

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"conformance/internal/bench"
	"conformance/internal/contract"
	"conformance/internal/expectations"
	"conformance/internal/matrix"
	"conformance/internal/results"
	"conformance/internal/sdk"
)

// SDKs is the column order: every SDK the suite has a driver for (in the
// order of their entries' Column, internal/sdk), so that an SDK without a
// run still has its column, saying so.
var SDKs = func() []string {
	var names []string
	for _, s := range sdk.Ordered() {
		names = append(names, s.Name)
	}
	return names
}()

// States of a cell or of one configuration in it, worst first: a cell
// shows the worst state of its configurations and scenarios.
const (
	FailsUnexpected    = "fails-unexpected"    // a failure no expectation lists
	PassesUnexpectedly = "passes-unexpectedly" // listed as a known failure, yet passed: the entry is stale
	FailsExpected      = "fails-expected"      // a known failure, with its reason
	Passes             = "passes"              // passed everywhere it ran
	Observed           = "observed"            // the rule's scenarios only record values
	NotApplicable      = "not-applicable"      // no scenario of the rule applies to the build
	NotRun             = "not-run"             // not run here; Reason says why
)

var severity = map[string]int{NotRun: 0, NotApplicable: 1, Observed: 2, Passes: 3, FailsExpected: 4, PassesUnexpectedly: 5, FailsUnexpected: 6}

// worse is the worse of two states.
func worse(a, b string) string {
	if severity[b] > severity[a] {
		return b
	}
	return a
}

// Parity is the whole dashboard's data (results/parity.json).
type Parity struct {
	Generated    string `json:"generated"`
	SuiteVersion string `json:"suiteVersion"` // the checkout that built the dashboard
	// Suite is the suite's version (VERSION), commit and rule set.
	Suite *results.Suite `json:"suite,omitempty"`
	// SuiteCommits counts the runs per suite commit they were made with.
	SuiteCommits map[string]int `json:"suiteCommits"`
	Runs         []Run          `json:"runs"`
	Columns      []Column       `json:"columns"`
	Rules        []Rule         `json:"rules"`
	// Versions are the version matrices (results/matrix/<sdk>.json).
	Versions []matrix.Matrix `json:"versions,omitempty"`
	// Notes say what merging the result folders decided (a run kept over
	// another of the same label, a matrix read twice).
	Notes []string      `json:"notes,omitempty"`
	Bench *bench.Report `json:"bench,omitempty"`
	// Soak is what the soak reports (make soak) found; nil without one.
	Soak *SoakSummary `json:"soak,omitempty"`
}

// Run is one run's configuration, without its verdict (the rules carry
// the outcomes).
type Run struct {
	Label            string `json:"label"`
	SDK              string `json:"sdk"`
	SDKVersion       string `json:"sdkVersion,omitempty"`
	RequestedVersion string `json:"requestedVersion,omitempty"`
	Source           string `json:"source,omitempty"`
	Generation       int    `json:"generation"`
	Runtime          string `json:"runtime"`
	RuntimeVersion   string `json:"runtimeVersion,omitempty"`
	Runner           string `json:"runner"`
	Transport        string `json:"transport"`
	Tags             string `json:"tags,omitempty"`
	SuiteCommit      string `json:"suiteCommit"`
	FinishedAt       string `json:"finishedAt,omitempty"`
	OK               bool   `json:"ok"`
	NotRun           string `json:"notRun,omitempty"`
	// Config is the configuration's mark, e.g. "ftl": fake or real
	// runtime, tcp or stdio, local or container.
	Config string `json:"config"`
	// Results is the folder the record was read from.
	Results string `json:"results"`
	// Next is what the run's next channel resolved to (SDK=<sdk>@next,
	// RUNTIME_VERSION=next).
	Next *results.Next `json:"next,omitempty"`
}

// Describe names the configuration in words.
func (r Run) Describe() string {
	return fmt.Sprintf("%s runtime · %s · %s", r.Runtime, r.Transport, r.Runner)
}

// Column is one SDK build: its runs on every configuration.
type Column struct {
	ID         string `json:"id"` // unique, safe in an HTML id
	SDK        string `json:"sdk"`
	Name       string `json:"name"`              // "node", ".NET"
	Version    string `json:"version,omitempty"` // empty when it never ran
	Generation int    `json:"generation,omitempty"`
	Source     bool   `json:"source,omitempty"` // built from SDK_SOURCE, not the registry's package
	// Runs are the labels of the build's runs.
	Runs []string `json:"runs"`
	// NotRun, when none of its runs ran, says why.
	NotRun   string    `json:"notRun,omitempty"`
	Mutation *Mutation `json:"mutation,omitempty"`
	// Channel is "next" for a build of the next channel: the dashboard
	// shows those as a column group of their own, after the others.
	Channel string `json:"channel,omitempty"`
	// RuntimeNext, for a build run on RUNTIME_VERSION=next, is the
	// runtime package version that resolved to.
	RuntimeNext string `json:"runtimeNext,omitempty"`
	// Against, for a next column, is the id of the SDK's pinned column
	// its runs were compared with ("" when there is none), and Changes
	// the scenarios whose outcome differs between the two, per
	// configuration.
	Against string   `json:"against,omitempty"`
	Changes []Change `json:"changes,omitempty"`
}

// Change is a scenario whose outcome in a next build differs from the
// pinned build's, on one configuration.
type Change struct {
	Scenario string   `json:"scenario"`
	Feature  string   `json:"feature"`
	Rules    []string `json:"rules"`
	Config   string   `json:"config"`
	// Pinned and Next are the outcomes: passed, failed, not applicable,
	// observed (with the values observed, when those differ).
	Pinned string `json:"pinned"`
	Next   string `json:"next"`
	// Message is the next build's failure message, if it failed.
	Message string `json:"message,omitempty"`
}

// Title is the column's heading: SDK, version and generation.
func (c Column) Title() string {
	t := c.Name
	if c.Version != "" {
		t += " " + c.Version
	}
	if c.Source {
		t += "+source"
	}
	if c.RuntimeNext != "" {
		t += " on runtime " + c.RuntimeNext
	}
	if c.Channel != "" {
		t += " (" + c.Channel + ")"
	}
	return t
}

// Rule is a row of the matrix.
type Rule struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Text      string `json:"text"`
	Tentative bool   `json:"tentative"`
	Why       string `json:"why,omitempty"`
	Cells     []Cell `json:"cells"` // one per column, in the columns' order
}

// Cell is one build on one rule.
type Cell struct {
	Column string `json:"column"`
	State  string `json:"state"`
	// Reason says why a cell is not applicable or not run.
	Reason    string     `json:"reason,omitempty"`
	Configs   []Config   `json:"configs"`
	Scenarios []Scenario `json:"scenarios"`
	// Flaky counts the results of the cell's scenarios that a soak found
	// flaky on their run's build.
	Flaky int `json:"flaky,omitempty"`
	// Changed, in a next column, counts the rule's scenarios whose
	// outcome differs from the pinned build's (Column.Changes).
	Changed int `json:"changed,omitempty"`
}

// Config is one run of the build on the rule.
type Config struct {
	Run    string `json:"run"`
	Config string `json:"config"`
	State  string `json:"state"`
	Reason string `json:"reason,omitempty"`
	// Reproduce runs the rule's scenarios on this configuration.
	Reproduce string `json:"reproduce"`
}

// Scenario is one of the rule's scenarios, with its result per run.
type Scenario struct {
	Name    string   `json:"name"`
	Feature string   `json:"feature"`
	Results []Result `json:"results"`
}

// Flaky reports whether a soak found the scenario flaky on any of its runs.
func (s Scenario) Flaky() bool {
	for _, r := range s.Results {
		if r.Flaky != nil {
			return true
		}
	}
	return false
}

// Result is a scenario's outcome in one run, with what shows it.
type Result struct {
	Run     string `json:"run"`
	Config  string `json:"config"`
	State   string `json:"state"`
	Step    string `json:"step,omitempty"` // the step that failed
	Message string `json:"message,omitempty"`
	Reason  string `json:"reason,omitempty"` // the expectation's reason
	// Note explains an unexpected failure that resembles a known one.
	Note         string                     `json:"note,omitempty"`
	Observations []expectations.Observation `json:"observations,omitempty"`
	// Frames are a few wire frames of the scenario that show the
	// outcome (from results/<label>/wire/<scenario>.json), one per line.
	Frames    []string `json:"frames,omitempty"`
	Reproduce string   `json:"reproduce"`
	// Flaky: a soak of this run's build (the same label) found the
	// scenario flaky; it is the soak summary's entry, shared.
	Flaky *Flake `json:"flaky,omitempty"`
}

// Mutation is an SDK's mutation score, as make mutants writes it in
// results/mutants/<sdk>.json (the fields the dashboard shows).
type Mutation struct {
	SDK     string `json:"sdk"`
	Version string `json:"version"` // the release the mutants are copies of
	Part    string `json:"part,omitempty"`
	// PristineOK: the unpatched copy passed, without which the score
	// means nothing.
	PristineOK bool `json:"pristineOK"`
	Caught     int  `json:"caught"`
	Total      int  `json:"total"`
}

// Input is what Build reads: the runs (each with the folder it came from)
// and whatever else the result folders hold.
type Input struct {
	Runs     []LoadedRun
	Matrices []matrix.Matrix
	Mutants  map[string]Mutation
	Bench    *bench.Report
	Notes    []string
	// Soaks are the soak reports (LoadSoaks); none, no soak data.
	Soaks []LoadedSoak
}

// LoadedRun is a run record and its folder (<results>/<label>).
type LoadedRun struct {
	results.Run
	Dir string
	// Frames finds a scenario's relevant wire frames; nil reads none.
	Frames func(scenario string) []string
}

// Build assembles the dashboard's data.
func Build(rules []contract.Rule, in Input, suiteVersion, generated string) Parity {
	p := Parity{Generated: generated, SuiteVersion: suiteVersion, SuiteCommits: map[string]int{},
		Versions: in.Matrices, Notes: in.Notes, Bench: in.Bench}
	var flaky flakes
	var soakNotes []string
	p.Soak, flaky, soakNotes = soakSummary(in.Soaks)
	p.Notes = append(p.Notes, soakNotes...)
	for _, r := range in.Runs {
		p.Runs = append(p.Runs, runOf(r))
		p.SuiteCommits[commitOf(r.Run)]++
	}
	cols, members := columns(in.Runs)
	for i := range cols {
		if m, ok := in.Mutants[cols[i].SDK]; ok {
			m := m
			cols[i].Mutation = &m
		}
	}
	compareNext(cols, members)
	p.Columns = cols
	for _, rule := range rules {
		row := Rule{ID: rule.ID, Title: rule.Title, Text: rule.Text, Tentative: rule.Tentative, Why: rule.Why}
		for i, col := range cols {
			cell := cellOf(rule, col, members[i], flaky)
			for _, ch := range col.Changes {
				if indexOf(ch.Rules, rule.ID) >= 0 {
					cell.Changed++
				}
			}
			row.Cells = append(row.Cells, cell)
		}
		p.Rules = append(p.Rules, row)
	}
	return p
}

func commitOf(r results.Run) string {
	if r.SuiteCommit == "" {
		return "unknown"
	}
	return r.SuiteCommit
}

func runOf(r LoadedRun) Run {
	return Run{Label: r.Label, SDK: r.SDK, SDKVersion: r.SDKVersion, RequestedVersion: r.RequestedVersion, Source: r.Source,
		Generation: r.Generation, Runtime: r.Runtime, RuntimeVersion: r.RuntimeVersion, Runner: r.Runner, Transport: r.Transport,
		Tags: r.Tags, SuiteCommit: commitOf(r.Run), FinishedAt: r.FinishedAt, OK: r.OK, NotRun: didNotRun(r.Run),
		Config: configMark(r.Run), Results: r.Dir, Next: r.Next}
}

// didNotRun says why a run has no verdict: not runnable here, or "did
// not run" and the step of its set-up that failed, with the tool's message.
func didNotRun(r results.Run) string {
	if r.Error != nil {
		return "did not run: " + r.Error.String()
	}
	return r.NotRun
}

// configMark is a configuration in three letters: runtime (f fake, r
// real), transport (t tcp, s stdio), runner (l local, c container).
func configMark(r results.Run) string {
	first := func(s, def string) string {
		if s == "" {
			return def
		}
		return s[:1]
	}
	return first(r.Runtime, "f") + first(r.Transport, "t") + first(r.Runner, "l")
}

// columns groups the runs into builds, in the SDKs' order; within an SDK
// the pinned build (no SDK_VERSION, no SDK_SOURCE) first, then the others
// newest first. A run that could not start joins the build it asked for
// when another configuration of it ran; an SDK without any run gets a
// column that says so.
func columns(runs []LoadedRun) ([]Column, [][]LoadedRun) {
	type group struct {
		col    Column
		runs   []LoadedRun
		pinned bool
	}
	bySDK := map[string][]*group{}
	find := func(sdk string, match func(g *group) bool) *group {
		for _, g := range bySDK[sdk] {
			if match(g) {
				return g
			}
		}
		return nil
	}
	var notRun []LoadedRun
	for _, r := range runs {
		if r.DidNotRun() != "" {
			notRun = append(notRun, r)
			continue
		}
		g := find(r.SDK, func(g *group) bool {
			return g.col.Version == r.SDKVersion && g.col.Generation == r.Generation && g.col.Source == (r.Source != "") &&
				g.col.Channel == r.Channel() && g.col.RuntimeNext == runtimeNext(r.Run)
		})
		if g == nil {
			g = &group{col: Column{SDK: r.SDK, Name: nameOf(r.SDK), Version: r.SDKVersion, Generation: r.Generation, Source: r.Source != "",
				Channel: r.Channel(), RuntimeNext: runtimeNext(r.Run)}}
			bySDK[r.SDK] = append(bySDK[r.SDK], g)
		}
		g.pinned = g.pinned || (r.RequestedVersion == "" && r.Source == "" && r.Channel() == "")
		g.runs = append(g.runs, r)
	}
	for _, r := range notRun {
		g := find(r.SDK, func(g *group) bool {
			for _, o := range g.runs {
				if o.RequestedVersion == r.RequestedVersion && (o.Source == "") == (r.Source == "") && o.Channel() == r.Channel() {
					return true
				}
			}
			return false
		})
		if g == nil {
			version := r.RequestedVersion
			if r.Next != nil && r.Next.SDK != nil {
				version = r.Next.SDK.Version
			}
			g = &group{col: Column{SDK: r.SDK, Name: nameOf(r.SDK), Version: version, Source: r.Source != "", NotRun: didNotRun(r.Run),
				Channel: r.Channel(), RuntimeNext: runtimeNext(r.Run)},
				pinned: r.RequestedVersion == "" && r.Source == "" && r.Channel() == ""}
			bySDK[r.SDK] = append(bySDK[r.SDK], g)
		}
		g.runs = append(g.runs, r)
	}
	order := append([]string(nil), SDKs...)
	var others []string
	for sdk := range bySDK {
		if indexOf(SDKs, sdk) < 0 {
			others = append(others, sdk)
		}
	}
	sort.Strings(others)
	order = append(order, others...)
	var cols, nextCols []Column
	var members, nextMembers [][]LoadedRun
	for _, sdk := range order {
		gs := bySDK[sdk]
		if !slices.ContainsFunc(gs, func(g *group) bool { return g.col.Channel == "" }) {
			cols = append(cols, Column{ID: sdk, SDK: sdk, Name: nameOf(sdk), Runs: []string{},
				NotRun: "no run of " + sdk + " in these results (make conformance SDK=" + sdk + ")"})
			members = append(members, nil)
			if len(gs) == 0 {
				continue
			}
		}
		sort.SliceStable(gs, func(i, j int) bool {
			if gs[i].pinned != gs[j].pinned {
				return gs[i].pinned
			}
			if gs[i].col.Generation != gs[j].col.Generation {
				return gs[i].col.Generation > gs[j].col.Generation
			}
			return versionLess(gs[j].col.Version, gs[i].col.Version)
		})
		for _, g := range gs {
			sort.SliceStable(g.runs, func(i, j int) bool { return configOrder(g.runs[i].Run) < configOrder(g.runs[j].Run) })
			g.col.ID = columnID(g.col)
			g.col.Runs = []string{}
			for _, r := range g.runs {
				g.col.Runs = append(g.col.Runs, r.Label)
			}
			if g.col.Channel != "" {
				// The next channel is a column group of its own, after
				// every SDK's other builds.
				nextCols, nextMembers = append(nextCols, g.col), append(nextMembers, g.runs)
				continue
			}
			cols = append(cols, g.col)
			members = append(members, g.runs)
		}
	}
	return append(cols, nextCols...), append(members, nextMembers...)
}

// runtimeNext is the runtime version a run's RUNTIME_VERSION=next
// resolved to, or "next" when it could not resolve; "" for other runs.
func runtimeNext(r results.Run) string {
	switch {
	case r.Next != nil && r.Next.Runtime != nil:
		return r.Next.Runtime.Version
	case r.RuntimeVersion == results.NextChannel:
		return results.NextChannel
	}
	return ""
}

// configOrder orders a build's configurations as the marks read: fake
// before real runtime, then tcp before stdio, then local before container.
func configOrder(r results.Run) string {
	rank := func(s, first string) string {
		if s == "" || s == first {
			return "0"
		}
		return "1"
	}
	return rank(r.Runtime, "fake") + rank(r.Transport, "tcp") + rank(r.Runner, "local") + r.Label
}

// nameOf is the name a reader knows an SDK by (".NET").
func nameOf(name string) string {
	if s, err := sdk.Lookup(name); err == nil {
		return s.Title()
	}
	return name
}

func indexOf(xs []string, x string) int {
	for i, y := range xs {
		if y == x {
			return i
		}
	}
	return -1
}

// versionLess compares dotted versions number by number ("1.0.9" <
// "1.0.14"), a leading "v" ignored.
func versionLess(a, b string) bool {
	pa, pb := strings.Split(strings.TrimPrefix(a, "v"), "."), strings.Split(strings.TrimPrefix(b, "v"), ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		na, ea := strconv.Atoi(pa[i])
		nb, eb := strconv.Atoi(pb[i])
		if ea == nil && eb == nil && na != nb {
			return na < nb
		}
		if (ea != nil || eb != nil) && pa[i] != pb[i] {
			return pa[i] < pb[i]
		}
	}
	return len(pa) < len(pb)
}

var unsafeID = regexp.MustCompile(`[^A-Za-z0-9_-]`)

// columnID names a column in HTML ids and links: sdk-version-gN-source.
func columnID(c Column) string {
	id := c.SDK
	if c.Version != "" {
		id += "-" + c.Version
	}
	if c.Generation != 0 {
		id += "-g" + strconv.Itoa(c.Generation)
	}
	if c.Source {
		id += "-source"
	}
	if c.RuntimeNext != "" {
		id += "-runtime-" + c.RuntimeNext
	}
	if c.Channel != "" {
		id += "-" + c.Channel
	}
	return unsafeID.ReplaceAllString(id, "_")
}

// cellOf judges one build on one rule over its runs.
func cellOf(rule contract.Rule, col Column, runs []LoadedRun, flaky flakes) Cell {
	c := Cell{Column: col.ID, State: NotRun, Configs: []Config{}, Scenarios: []Scenario{}}
	if len(runs) == 0 {
		c.Reason = col.NotRun
		return c
	}
	scenarios := map[string]*Scenario{}
	var naReasons, notRunReasons []string
	anyState := ""
	for _, r := range runs {
		cfg := Config{Run: r.Label, Config: configMark(r.Run), State: NotRun, Reproduce: reproduce(r.Run, rule.Tag())}
		switch {
		case r.DidNotRun() != "":
			cfg.Reason = didNotRun(r.Run)
		default:
			found := false
			for _, j := range judgedOf(r.Verdict) {
				if !hasTag(j.Tags, rule.Tag()) {
					continue
				}
				found = true
				res := resultOf(rule, r, j)
				if f := flaky.of(r.Label, j.Scenario); f != nil {
					res.Flaky = f
					c.Flaky++
					f.Rules = appendUnique(f.Rules, rule.ID)
				}
				cfg.State = stateMax(cfg.State, res.State)
				if res.State == NotApplicable {
					naReasons = appendUnique(naReasons, j.Message)
				}
				s, ok := scenarios[j.Scenario]
				if !ok {
					s = &Scenario{Name: j.Scenario, Feature: j.Feature}
					scenarios[j.Scenario] = s
				}
				s.Results = append(s.Results, res)
			}
			if !found {
				cfg.Reason = "this run's scenarios left the rule out"
				if r.Tags != "" {
					cfg.Reason = fmt.Sprintf("this run's TAGS=%s left the rule out", r.Tags)
				}
			}
		}
		if cfg.State == NotRun {
			notRunReasons = appendUnique(notRunReasons, cfg.Reason)
		}
		anyState = stateMax(anyState, cfg.State)
		c.Configs = append(c.Configs, cfg)
	}
	c.State = anyState
	switch c.State {
	case NotRun:
		c.Reason = strings.Join(notRunReasons, "; ")
	case NotApplicable:
		c.Reason = strings.Join(naReasons, "; ")
	}
	var names []string
	for n := range scenarios {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := scenarios[names[i]], scenarios[names[j]]
		if a.Feature != b.Feature {
			return a.Feature < b.Feature
		}
		return a.Name < b.Name
	})
	for _, n := range names {
		c.Scenarios = append(c.Scenarios, *scenarios[n])
	}
	return c
}

// stateMax folds a state into an aggregate: not run only when nothing
// ran, otherwise the worse of the two.
func stateMax(agg, s string) string {
	if agg == "" {
		return s
	}
	return worse(agg, s)
}

func resultOf(rule contract.Rule, r LoadedRun, j expectations.Judged) Result {
	res := Result{Run: r.Label, Config: configMark(r.Run), Step: j.Step, Message: j.Message, Note: j.Note, Observations: j.Observations,
		Reproduce: reproduce(r.Run, rule.Tag())}
	switch {
	case j.Status == expectations.NotApplicable:
		res.State = NotApplicable
	case j.Status == expectations.Observed:
		res.State = Observed
	case j.Status == expectations.Passed && j.Expected:
		res.State, res.Reason = PassesUnexpectedly, j.Reason
	case j.Status == expectations.Passed:
		res.State = Passes
	case j.Expected:
		res.State, res.Reason = FailsExpected, j.Reason
	default:
		res.State = FailsUnexpected
	}
	if res.State != Passes && res.State != NotApplicable && r.Frames != nil {
		res.Frames = r.Frames(j.Scenario)
	}
	return res
}

func judgedOf(v expectations.Verdict) []expectations.Judged {
	var out []expectations.Judged
	for _, list := range [][]expectations.Judged{v.Passed, v.ExpectedFailures, v.UnexpectedFailures, v.UnexpectedPasses, v.NotApplicable, v.Observed} {
		out = append(out, list...)
	}
	return out
}

func hasTag(tags []string, tag string) bool { return indexOf(tags, tag) >= 0 }

func appendUnique(xs []string, x string) []string {
	if x == "" || indexOf(xs, x) >= 0 {
		return xs
	}
	return append(xs, x)
}

// reproduce is the make command that reruns one run's scenarios of a rule.
func reproduce(r results.Run, tag string) string {
	cmd := "make conformance SDK=" + r.SDK
	if r.RequestedVersion != "" {
		cmd += " SDK_VERSION=" + r.RequestedVersion
	}
	if r.Source != "" {
		cmd += " SDK_SOURCE=" + r.Source
	}
	if runtimeNext(r) != "" {
		cmd += " RUNTIME_VERSION=next"
	}
	if tag != "" {
		cmd += " TAGS=" + tag
	}
	def := func(s, d string) string {
		if s == "" {
			return d
		}
		return s
	}
	return cmd + " RUNTIME=" + def(r.Runtime, "fake") + " TRANSPORT=" + def(r.Transport, "tcp") + " RUNNER=" + def(r.Runner, "local")
}

// Marks are the configurations a matrix cell marks: those that ran the
// rule (one that left it out, e.g. by TAGS, is no difference in
// behaviour; the drill-down lists it), or all when none did.
func (c Cell) Marks() []Config {
	var ran []Config
	for _, x := range c.Configs {
		if x.State != NotRun {
			ran = append(ran, x)
		}
	}
	if len(ran) == 0 {
		return c.Configs
	}
	return ran
}

// Differ reports whether the marked configurations disagree.
func (c Cell) Differ() bool {
	for _, x := range c.Marks() {
		if x.State != c.State {
			return true
		}
	}
	return false
}
