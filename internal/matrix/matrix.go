// Package matrix turns the runs of one SDK's published versions into the
// answer an SDK team asks for: since which version does the SDK get each
// rule right, and which release changed it (fixed or regressed), with the
// scenarios that show it. It also bisects the versions for the release
// where one rule's outcome changed. It runs nothing itself: a Runner does.
package matrix

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/tabwriter"

	"conformance/internal/differential"
	"conformance/internal/expectations"
	"conformance/internal/results"
	"conformance/internal/versions"
)

// Outcome is what one SDK version did on one rule, over that rule's
// scenarios in the run.
type Outcome string

const (
	Pass Outcome = "pass" // every scenario of the rule that ran passed
	// Fail is any failed scenario, expected or not: the matrix asks what
	// the SDK does, not whether the failure was already known.
	Fail          Outcome = "fail"
	NotApplicable Outcome = "n/a"      // every scenario of the rule was not applicable
	Observed      Outcome = "observed" // the rule's scenarios only record values
	NotRun        Outcome = "not run"  // the version could not run here (Cell.NotRun says why)
	NoCallback    Outcome = "no callback"
)

// Cell is one version's run: its record, or why there is none.
type Cell struct {
	Version    string `json:"version"`
	Generation int    `json:"generation"`
	// Runtime is the real runtime's package version, on the runtime
	// axis; empty for the fake runtime.
	Runtime string `json:"runtime,omitempty"`
	Label   string `json:"label,omitempty"`   // the run's label; its results are in results/<label>/
	NotRun  string `json:"notRun,omitempty"`  // why it could not run
	Summary string `json:"summary,omitempty"` // the verdict's one-line count
	// Rules holds each rule's outcome; Scenarios each scenario's status
	// and failure message, the evidence of a change.
	Rules     map[string]Outcome  `json:"rules,omitempty"`
	Scenarios map[string]Scenario `json:"scenarios,omitempty"`
}

// Scenario is one scenario's result in a cell.
type Scenario struct {
	Rules    []string `json:"rules"`
	Status   string   `json:"status"` // passed, failed (expected), failed (unexpected), not applicable, observed
	Message  string   `json:"message,omitempty"`
	WireFile string   `json:"wireFile,omitempty"` // the scenario's wire record, when kept
}

var ruleTag = regexp.MustCompile(`^@(BT-\d+)$`)

// FromRun makes the cell of a finished run.
func FromRun(v versions.Version, runtime string, r results.Run, resultsDir string) Cell {
	c := Cell{Version: v.Version, Generation: v.Generation, Runtime: runtime, Label: r.Label,
		Rules: map[string]Outcome{}, Scenarios: map[string]Scenario{}}
	if r.NotRun != "" {
		c.NotRun = r.NotRun
		return c
	}
	c.Summary = r.Verdict.Summary()
	add := func(js []expectations.Judged, status string) {
		for _, j := range js {
			s := Scenario{Status: status, Message: j.Message}
			for _, t := range j.Tags {
				if m := ruleTag.FindStringSubmatch(t); m != nil {
					s.Rules = append(s.Rules, m[1])
				}
			}
			if f := wireFile(resultsDir, j.Scenario); f != "" {
				s.WireFile = f
			}
			c.Scenarios[j.Scenario] = s
		}
	}
	v2 := r.Verdict
	add(v2.Passed, "passed")
	add(v2.UnexpectedPasses, "passed")
	add(v2.ExpectedFailures, "failed (expected)")
	add(v2.UnexpectedFailures, "failed (unexpected)")
	add(v2.NotApplicable, "not applicable")
	add(v2.Observed, "observed")
	for _, s := range c.Scenarios {
		for _, rule := range s.Rules {
			c.Rules[rule] = combine(c.Rules[rule], s.Status)
		}
	}
	return c
}

// combine folds one more scenario status into a rule's outcome: a failure
// wins over a pass, a pass over not applicable, which wins over observed.
func combine(o Outcome, status string) Outcome {
	rank := map[Outcome]int{"": 0, Observed: 1, NotApplicable: 2, Pass: 3, Fail: 4}
	var next Outcome
	switch {
	case strings.HasPrefix(status, "failed"):
		next = Fail
	case status == "passed":
		next = Pass
	case status == "not applicable":
		next = NotApplicable
	default:
		next = Observed
	}
	if rank[next] > rank[o] {
		return next
	}
	return o
}

// wireFile is the scenario's wire record (internal/differential), when
// the run kept one.
func wireFile(resultsDir, scenario string) string {
	if resultsDir == "" {
		return ""
	}
	path := differential.FileName(resultsDir, scenario)
	if _, err := os.Stat(path); err != nil {
		return ""
	}
	return path
}

// Outcome is the cell's outcome for a rule.
func (c Cell) Outcome(rule string) Outcome {
	switch {
	case c.Generation == 0:
		return NoCallback
	case c.NotRun != "":
		return NotRun
	}
	if o, ok := c.Rules[rule]; ok {
		return o
	}
	return NotRun // the run did not include the rule's scenarios
}

// Change is a rule's outcome changing between two neighbouring versions
// that both ran.
type Change struct {
	Rule     string     `json:"rule"`
	Runtime  string     `json:"runtime,omitempty"` // on the runtime axis
	From     string     `json:"from"`              // the older version
	To       string     `json:"to"`
	Before   Outcome    `json:"before"`
	After    Outcome    `json:"after"`
	Kind     string     `json:"kind"` // "fixed", "regressed" or "changed"
	Evidence []Evidence `json:"evidence"`
}

// Evidence is a scenario of the rule whose status differs across a change.
type Evidence struct {
	Scenario string   `json:"scenario"`
	Before   Scenario `json:"before"`
	After    Scenario `json:"after"`
}

// Matrix is one SDK's version matrix (results/matrix/<sdk>.json).
type Matrix struct {
	SDK   string   `json:"sdk"`
	From  string   `json:"from"` // where the version list came from
	Rules []string `json:"rules"`
	Cells []Cell   `json:"cells"` // oldest first; on the runtime axis, per version then runtime
	// FirstPass is, per rule, the oldest version that passes it (and
	// passes it on every runtime that ran).
	FirstPass map[string]string `json:"firstPass"`
	Changes   []Change          `json:"changes"`
}

// Build computes first passes and changes from the cells, oldest first.
// On the runtime axis, changes are computed per runtime.
func Build(sdk, from string, cells []Cell) Matrix {
	m := Matrix{SDK: sdk, From: from, Cells: cells, FirstPass: map[string]string{}}
	seen := map[string]bool{}
	for _, c := range cells {
		for r := range c.Rules {
			if !seen[r] {
				seen[r] = true
				m.Rules = append(m.Rules, r)
			}
		}
	}
	sort.Slice(m.Rules, func(i, j int) bool { return ruleNumber(m.Rules[i]) < ruleNumber(m.Rules[j]) })
	byRuntime := map[string][]Cell{}
	var runtimes []string
	for _, c := range cells {
		if _, ok := byRuntime[c.Runtime]; !ok {
			runtimes = append(runtimes, c.Runtime)
		}
		byRuntime[c.Runtime] = append(byRuntime[c.Runtime], c)
	}
	for _, rule := range m.Rules {
		for _, rt := range runtimes {
			var prev *Cell
			for i := range byRuntime[rt] {
				c := &byRuntime[rt][i]
				o := c.Outcome(rule)
				if o != Pass && o != Fail {
					continue
				}
				if prev != nil && prev.Outcome(rule) != o {
					m.Changes = append(m.Changes, change(rule, *prev, *c))
				}
				prev = c
			}
		}
		m.FirstPass[rule] = firstPass(rule, cells)
	}
	return m
}

func firstPass(rule string, cells []Cell) string {
	passes := map[string]bool{} // version -> passes on every runtime that ran it
	var order []string
	for _, c := range cells {
		o := c.Outcome(rule)
		if o != Pass && o != Fail {
			continue
		}
		p, ok := passes[c.Version]
		if !ok {
			order = append(order, c.Version)
			p = true
		}
		passes[c.Version] = p && o == Pass
	}
	for _, v := range order {
		if passes[v] {
			return v
		}
	}
	return ""
}

func change(rule string, before, after Cell) Change {
	ch := Change{Rule: rule, Runtime: after.Runtime, From: before.Version, To: after.Version, Before: before.Outcome(rule), After: after.Outcome(rule), Kind: "changed"}
	switch {
	case ch.Before == Fail && ch.After == Pass:
		ch.Kind = "fixed"
	case ch.Before == Pass && ch.After == Fail:
		ch.Kind = "regressed"
	}
	var names []string
	for name, s := range after.Scenarios {
		if contains(s.Rules, rule) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		b, a := before.Scenarios[name], after.Scenarios[name]
		if b.Status != a.Status {
			ch.Evidence = append(ch.Evidence, Evidence{Scenario: name, Before: b, After: a})
		}
	}
	return ch
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func ruleNumber(rule string) int {
	var n int
	fmt.Sscanf(strings.TrimPrefix(rule, "BT-"), "%d", &n)
	return n
}

// Write stores the matrix as dir/<sdk>.json.
func (m Matrix) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, m.SDK+".json"), b, 0o644)
}

// Load reads dir/<sdk>.json.
func Load(dir, sdk string) (Matrix, error) {
	var m Matrix
	b, err := os.ReadFile(filepath.Join(dir, sdk+".json"))
	if err != nil {
		return m, err
	}
	return m, json.Unmarshal(b, &m)
}

// Table is the compact end-of-run table: per rule, its outcome over runs
// of neighbouring versions with the same outcome, the first version that
// passes it, and its changes; then the versions that did not run, with
// why; then the evidence of each change.
func (m Matrix) Table() string {
	var b strings.Builder
	rts := m.Runtimes()
	if len(rts) > 0 {
		fmt.Fprintf(&b, "%s: %d versions x %d real-runtime versions (%s; from %s)\n", m.SDK, len(m.Versions()), len(rts), strings.Join(rts, ", "), m.From)
	} else {
		fmt.Fprintf(&b, "%s: %d versions (from %s)\n", m.SDK, len(m.Cells), m.From)
	}
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "rule\toutcome by version\tfirst pass\tchanges")
	for _, rule := range m.Rules {
		var changes []string
		for _, ch := range m.Changes {
			if ch.Rule == rule {
				changes = append(changes, fmt.Sprintf("%s in %s (after %s)%s", ch.Kind, ch.To, ch.From, atRuntime(ch.Runtime)))
			}
		}
		first := m.FirstPass[rule]
		if first == "" {
			first = "-"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", rule, m.spans(rule), first, orDash(strings.Join(changes, "; ")))
	}
	w.Flush()
	var notRun, noCallback []string
	for _, c := range m.Cells {
		switch {
		case c.Generation == 0:
			noCallback = append(noCallback, c.Version)
		case c.NotRun != "":
			notRun = append(notRun, fmt.Sprintf("  %s%s: not run: %s", c.Version, atRuntime(c.Runtime), firstLine(c.NotRun)))
		}
	}
	if len(noCallback) > 0 {
		// One line: an SDK has dozens of releases from before the callback.
		notRun = append([]string{fmt.Sprintf("  no callback (before 1.0.4), not run: %s", strings.Join(noCallback, ", "))}, notRun...)
	}
	if len(notRun) > 0 {
		fmt.Fprintf(&b, "versions not run:\n%s\n", strings.Join(notRun, "\n"))
	}
	for _, ch := range m.Changes {
		fmt.Fprintf(&b, "%s %s between %s and %s%s (%s -> %s):\n", ch.Rule, ch.Kind, ch.From, ch.To, atRuntime(ch.Runtime), ch.Before, ch.After)
		for _, e := range ch.Evidence {
			fmt.Fprintf(&b, "  %q: %s -> %s\n", e.Scenario, describe(e.Before), describe(e.After))
		}
	}
	if len(rts) > 0 {
		b.WriteString("\n" + m.Grid())
	}
	return b.String()
}

// Runtimes are the real-runtime versions of the cells, in the order they
// ran; none for a matrix on the fake runtime.
func (m Matrix) Runtimes() []string { return m.distinct(func(c Cell) string { return c.Runtime }) }

// Versions are the SDK versions of the cells, in the order they ran.
func (m Matrix) Versions() []string { return m.distinct(func(c Cell) string { return c.Version }) }

// distinct is each non-empty key of the cells once, in the cells' order.
func (m Matrix) distinct(key func(Cell) string) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range m.Cells {
		if k := key(c); k != "" && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// Grid is the runtime axis at a glance: a row per SDK version, a column
// per real-runtime version, each entry the rules that failed there (or
// "pass" and how many scenarios ran), or why it did not run.
func (m Matrix) Grid() string {
	rts := m.Runtimes()
	byKey := map[[2]string]Cell{}
	for _, c := range m.Cells {
		byKey[[2]string{c.Version, c.Runtime}] = c
	}
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "SDK version \\ runtime\t%s\n", strings.Join(rts, "\t"))
	for _, v := range m.Versions() {
		row := []string{v}
		for _, rt := range rts {
			c, ok := byKey[[2]string{v, rt}]
			row = append(row, gridEntry(c, ok, m.Rules))
		}
		fmt.Fprintln(w, strings.Join(row, "\t"))
	}
	w.Flush()
	return b.String()
}

// gridEntry is one cell of the grid: "pass (21 scenarios)", "fail BT-8
// (20 of 21 scenarios passed)", "not run" (the reason is listed under
// the table), "no callback", or "-" where that pair was not asked for.
func gridEntry(c Cell, ok bool, rules []string) string {
	switch {
	case !ok:
		return "-"
	case c.Generation == 0:
		return "no callback"
	case c.NotRun != "":
		return "not run"
	}
	var failed []string
	for _, r := range rules {
		if c.Outcome(r) == Fail {
			failed = append(failed, r)
		}
	}
	ran, passed := 0, 0
	for _, s := range c.Scenarios {
		switch {
		case s.Status == "passed":
			ran++
			passed++
		case strings.HasPrefix(s.Status, "failed"):
			ran++
		}
	}
	if len(failed) == 0 {
		return fmt.Sprintf("pass (%d scenarios)", ran)
	}
	return fmt.Sprintf("fail %s (%d of %d scenarios passed)", strings.Join(failed, ", "), passed, ran)
}

func atRuntime(rt string) string {
	if rt == "" {
		return ""
	}
	return " on runtime " + rt
}

// spans renders a rule's outcomes as runs of neighbouring versions, e.g.
// "fail 1.0.4..1.0.17, pass 1.0.18..1.0.27". On the runtime axis it is one
// such list per runtime, each named ("1.0.13: ... | 1.0.14: ..."), or one
// list "on every runtime" when all runtimes show the same.
func (m Matrix) spans(rule string) string {
	rts := m.Runtimes()
	if len(rts) == 0 {
		return orDash(spansOf(m.Cells, rule))
	}
	var parts []string
	same := true
	first := ""
	for i, rt := range rts {
		var cells []Cell
		for _, c := range m.Cells {
			if c.Runtime == rt {
				cells = append(cells, c)
			}
		}
		s := orDash(spansOf(cells, rule))
		if i == 0 {
			first = s
		}
		same = same && s == first
		parts = append(parts, rt+": "+s)
	}
	if same && len(rts) > 1 {
		return first + " (on every runtime)"
	}
	return strings.Join(parts, " | ")
}

// spansOf renders the outcomes of cells of one runtime, oldest first.
func spansOf(cells []Cell, rule string) string {
	var parts []string
	type span struct {
		o        Outcome
		from, to string
	}
	var cur *span
	flush := func() {
		if cur == nil {
			return
		}
		s := fmt.Sprintf("%s %s", cur.o, cur.from)
		if cur.to != cur.from {
			s += ".." + cur.to
		}
		parts = append(parts, s)
		cur = nil
	}
	for _, c := range cells {
		o := c.Outcome(rule)
		if o == NoCallback || o == NotRun {
			continue // listed apart, below the table
		}
		if cur != nil && cur.o == o {
			cur.to = c.Version
			continue
		}
		flush()
		cur = &span{o: o, from: c.Version, to: c.Version}
	}
	flush()
	return strings.Join(parts, ", ")
}

func describe(s Scenario) string {
	if s.Status == "" {
		return "(not run)"
	}
	if s.Message != "" {
		return fmt.Sprintf("%s: %s", s.Status, truncate(s.Message, 200))
	}
	return s.Status
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// Runner runs the features (narrowed by tags) against one version of the
// SDK, on the given real-runtime version (empty: the fake runtime), and
// returns its cell; a version that cannot run here is a cell with NotRun
// set, not an error. An error stops the sweep (the suite itself failed).
type Runner func(ctx context.Context, v versions.Version, runtime, tags string) (Cell, error)
