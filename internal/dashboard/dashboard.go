// Package dashboard turns the records of any set of conformance runs
// (results/*/verdict.json) into the parity dashboard: one self-contained
// HTML page (no JavaScript, no network) and a Markdown table. Rows are the
// contract's rules, as the feature files state them (package contract),
// and, under each, its scenarios; columns are the runs (SDK, version,
// contract generation, runtime, runner, transport).
package dashboard

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"conformance/internal/bench"
	"conformance/internal/contract"
	"conformance/internal/expectations"
	"conformance/internal/results"
)

// Cell is one scenario's outcome in one run.
type Cell struct {
	Class  string // passed, expected, unexpected, stale, na, observed, notrun
	Label  string // what the cell says
	Detail string // the reason, the failure, or why not applicable
	Values []expectations.Observation
}

// ScenarioRow is a scenario and its cells, one per column.
type ScenarioRow struct {
	Feature, Name string
	Cells         []Cell
}

// Section is a rule and its scenarios.
type Section struct {
	contract.Rule
	// StartsTentative marks the first tentative rule, where the page says
	// that the rules from there on are the suite's proposals.
	StartsTentative bool
	Scenarios       []ScenarioRow
	Totals          []string // per column: "passed/applicable"
}

// Column is one run.
type Column struct {
	Title     string // "node 1.0.14"
	Subtitle  string // "gen 2 · fake runtime · local · tcp"
	Reproduce string // the make command that reruns it
	OK        bool
	NotRun    string // why the build could not run on its machine (results.Run.NotRun)
}

// Page is everything the dashboard shows.
type Page struct {
	Generated       string
	SuiteVersion    string
	RuntimeVersions string
	Columns         []Column
	Sections        []Section
	Bench           *bench.Report
}

// Build assembles the page: a section per rule, in the order given.
func Build(rules []contract.Rule, runs []results.Run, benchReport *bench.Report, suiteVersion string, now time.Time) Page {
	p := Page{Generated: now.UTC().Format("2006-01-02 15:04 MST"), SuiteVersion: suiteVersion, Bench: benchReport}
	runtimes := map[string]bool{}
	judged := make([]map[string]expectations.Judged, len(runs))
	for i, r := range runs {
		col := Column{
			Title:     strings.TrimSpace(r.SDK + " " + r.SDKVersion),
			Subtitle:  fmt.Sprintf("gen %d · %s runtime · %s · %s", r.Generation, r.Runtime, r.Runner, r.Transport),
			Reproduce: reproduce(r),
			OK:        r.OK,
			NotRun:    r.NotRun,
		}
		if r.Source != "" {
			// Not the registry's package: say so where the version is read.
			col.Subtitle += " · SDK_SOURCE"
		}
		if r.NotRun != "" {
			// No driver answered, so no version or generation is known.
			col.Title = strings.TrimSpace(r.SDK + " " + r.RequestedVersion)
			col.Subtitle = fmt.Sprintf("%s runtime · %s · %s", r.Runtime, r.Runner, r.Transport)
		} else {
			runtimes[r.Runtime+" "+r.RuntimeVersion] = true
		}
		p.Columns = append(p.Columns, col)
		judged[i] = byScenario(r.Verdict)
	}
	p.RuntimeVersions = strings.Join(sortedKeys(runtimes), ", ")
	tentativeSeen := false
	for _, rule := range rules {
		sec := Section{Rule: rule, StartsTentative: rule.Tentative && !tentativeSeen}
		tentativeSeen = tentativeSeen || rule.Tentative
		for _, sc := range scenariosOf(rule.Tag(), judged) {
			row := ScenarioRow{Feature: sc.Feature, Name: sc.Scenario}
			for i := range runs {
				j, ran := judged[i][sc.Scenario]
				row.Cells = append(row.Cells, cell(j, ran))
			}
			sec.Scenarios = append(sec.Scenarios, row)
		}
		for i := range runs {
			if runs[i].NotRun != "" {
				sec.Totals = append(sec.Totals, "not run")
				continue
			}
			passed, applicable := 0, 0
			for _, row := range sec.Scenarios {
				switch row.Cells[i].Class {
				case "passed":
					passed, applicable = passed+1, applicable+1
				case "expected", "unexpected", "stale":
					applicable++
				}
			}
			sec.Totals = append(sec.Totals, fmt.Sprintf("%d/%d passed", passed, applicable))
		}
		p.Sections = append(p.Sections, sec)
	}
	return p
}

func byScenario(v expectations.Verdict) map[string]expectations.Judged {
	m := map[string]expectations.Judged{}
	for _, list := range [][]expectations.Judged{v.Passed, v.ExpectedFailures, v.UnexpectedFailures, v.UnexpectedPasses, v.NotApplicable, v.Observed} {
		for _, j := range list {
			m[j.Scenario] = j
		}
	}
	return m
}

// scenariosOf lists the scenarios tagged with the rule in any run, ordered
// by feature, then name.
func scenariosOf(ruleTag string, judged []map[string]expectations.Judged) []expectations.Judged {
	seen := map[string]expectations.Judged{}
	for _, m := range judged {
		for name, j := range m {
			for _, t := range j.Tags {
				if t == ruleTag {
					seen[name] = j
				}
			}
		}
	}
	var out []expectations.Judged
	for _, j := range seen {
		out = append(out, j)
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].Feature != out[b].Feature {
			return out[a].Feature < out[b].Feature
		}
		return out[a].Scenario < out[b].Scenario
	})
	return out
}

func cell(j expectations.Judged, ran bool) Cell {
	c := Cell{Values: j.Observations}
	switch {
	case !ran:
		c.Class, c.Label = "notrun", "not run"
	case j.Status == expectations.NotApplicable:
		c.Class, c.Label, c.Detail = "na", "not applicable", j.Message
	case j.Status == expectations.Observed:
		c.Class, c.Label = "observed", "observed"
	case j.Status == expectations.Passed && j.Expected:
		c.Class, c.Label, c.Detail = "stale", "passed, listed as a known failure", j.Reason
	case j.Status == expectations.Passed:
		c.Class, c.Label = "passed", "passed"
	case j.Expected:
		c.Class, c.Label, c.Detail = "expected", "failed (expected)", j.Reason
	default:
		c.Class, c.Label, c.Detail = "unexpected", "FAILED (unexpected)", j.Message
	}
	return c
}

// reproduce is the make command that reruns a column.
func reproduce(r results.Run) string {
	cmd := "make conformance SDK=" + r.SDK
	if r.RequestedVersion != "" {
		cmd += " SDK_VERSION=" + r.RequestedVersion
	}
	if r.Source != "" {
		cmd += " SDK_SOURCE=" + r.Source
	}
	if r.Runtime != "" && r.Runtime != "fake" {
		cmd += " RUNTIME=" + r.Runtime
	}
	if r.Runner != "" && r.Runner != "local" {
		cmd += " RUNNER=" + r.Runner
	}
	if r.Transport != "" && r.Transport != "tcp" {
		cmd += " TRANSPORT=" + r.Transport
	}
	if r.Tags != "" {
		cmd += fmt.Sprintf(" TAGS='%s'", r.Tags)
	}
	return cmd
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
