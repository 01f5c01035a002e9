package dashboard

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/bench"
	"conformance/internal/contract"
	"conformance/internal/expectations"
	"conformance/internal/results"
)

// repoRules are the rules the repository's features state.
func repoRules(t *testing.T) []contract.Rule {
	t.Helper()
	rules, err := contract.Load("../../features")
	require.NoError(t, err)
	return rules
}

func judged(name string, status expectations.Status, tags ...string) expectations.Judged {
	return expectations.Judged{Result: expectations.Result{Feature: "f", Scenario: name, Tags: tags, Status: status}}
}

// fixtureRuns are two runs that differ in every way a cell can.
func fixtureRuns() []results.Run {
	expected := judged("disconnected session", expectations.Failed, "@BT-8")
	expected.Expected, expected.Reason = true, "keeps answering after disconnect"
	unexpected := judged("unknown session", expectations.Failed, "@BT-8")
	unexpected.Message = "answered with a token"
	observed := judged("empty token", expectations.Observed, "@BT-6")
	observed.Observations = []expectations.Observation{{Name: "answer", Value: `{"token":""}`}}
	na := judged("session id", expectations.NotApplicable, "@BT-7")
	na.Message = "needs contract generation 2"
	return []results.Run{
		{Label: "go", SDK: "go", SDKVersion: "1.0.14", Generation: 2, Runtime: "fake", RuntimeVersion: "fake-1", Runner: "local", Transport: "tcp", OK: true,
			Verdict: expectations.Verdict{
				Passed:           []expectations.Judged{judged("session id", expectations.Passed, "@BT-7"), judged("unknown session", expectations.Passed, "@BT-8")},
				ExpectedFailures: []expectations.Judged{expected},
				Observed:         []expectations.Judged{observed},
			}},
		{Label: "node@1.0.4", SDK: "node", SDKVersion: "1.0.4", RequestedVersion: "1.0.4", Generation: 1, Runtime: "fake", RuntimeVersion: "fake-1", Runner: "local", Transport: "tcp",
			Verdict: expectations.Verdict{
				UnexpectedFailures: []expectations.Judged{unexpected},
				NotApplicable:      []expectations.Judged{na},
			}},
	}
}

func section(p Page, id string) Section {
	for _, s := range p.Sections {
		if s.ID == id {
			return s
		}
	}
	return Section{}
}

func TestBuildPutsEachScenarioUnderItsRulesWithOneCellPerRun(t *testing.T) {
	p := Build(repoRules(t), fixtureRuns(), nil, "abc123", time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC))
	require.Len(t, p.Sections, len(repoRules(t)))
	assert.Equal(t, "BT-1", p.Sections[0].ID)
	require.Len(t, p.Columns, 2)
	assert.Equal(t, "node 1.0.4", p.Columns[1].Title)
	assert.Equal(t, "gen 1 · fake runtime · local · tcp", p.Columns[1].Subtitle)
	assert.Equal(t, "make conformance SDK=node SDK_VERSION=1.0.4", p.Columns[1].Reproduce)

	fromSource := fixtureRuns()[0]
	fromSource.Source = "/src/copilot-sdk/go"
	col := Build(repoRules(t), []results.Run{fromSource}, nil, "abc123", time.Now()).Columns[0]
	assert.Equal(t, "gen 2 · fake runtime · local · tcp · SDK_SOURCE", col.Subtitle, "a build from source is not the registry's package")

	bt8 := section(p, "BT-8")
	require.Len(t, bt8.Scenarios, 2)
	assert.Equal(t, "disconnected session", bt8.Scenarios[0].Name)
	assert.Equal(t, []string{"expected", "notrun"}, []string{bt8.Scenarios[0].Cells[0].Class, bt8.Scenarios[0].Cells[1].Class})
	assert.Equal(t, "keeps answering after disconnect", bt8.Scenarios[0].Cells[0].Detail)
	assert.Equal(t, []string{"passed", "unexpected"}, []string{bt8.Scenarios[1].Cells[0].Class, bt8.Scenarios[1].Cells[1].Class})
	assert.Equal(t, []string{"1/2 passed", "0/1 passed"}, bt8.Totals)

	bt7 := section(p, "BT-7")
	assert.Equal(t, "na", bt7.Scenarios[0].Cells[1].Class)
	assert.Equal(t, "needs contract generation 2", bt7.Scenarios[0].Cells[1].Detail)
	assert.Equal(t, []string{"1/1 passed", "0/0 passed"}, bt7.Totals, "not applicable counts neither way")

	bt6 := section(p, "BT-6")
	assert.Equal(t, "observed", bt6.Scenarios[0].Cells[0].Class)
	assert.Equal(t, `{"token":""}`, bt6.Scenarios[0].Cells[0].Values[0].Value)
	assert.Empty(t, section(p, "BT-1").Scenarios)
}

func TestHTMLIsSelfContained(t *testing.T) {
	p := Build(repoRules(t), fixtureRuns(), &bench.Report{N: 10, Runtime: "fake fake-1", Results: []bench.Result{
		{Client: "go 1.0.14", Transport: "tcp", Mode: "sequential", Stats: bench.Stats{N: 10, P50: 100 * time.Microsecond}},
	}}, "abc123", time.Now())
	var b bytes.Buffer
	require.NoError(t, p.HTML(&b))
	html := b.String()
	for _, banned := range []string{"<script", "src=", "href=", "@import", "url("} {
		assert.NotContains(t, html, banned, "the page must need no script and no network")
	}
	for _, want := range []string{"suite abc123", "BT-15", "<code>providerToken.getToken</code>", "keeps answering after disconnect", "FAILED (unexpected)",
		"needs contract generation 2", `{&#34;token&#34;:&#34;&#34;}`, "make conformance SDK=node SDK_VERSION=1.0.4", "go 1.0.14", "0.10"} {
		assert.Contains(t, html, want)
	}
}

func TestMarkdownHasARowPerRuleAndScenario(t *testing.T) {
	p := Build(repoRules(t), fixtureRuns(), nil, "abc123", time.Now())
	var b bytes.Buffer
	require.NoError(t, p.Markdown(&b))
	md := b.String()
	rows := 0
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| ") && !strings.HasPrefix(line, "| rule / scenario") {
			rows++
			assert.Equal(t, 2+1, strings.Count(line, " |"), "one cell per column: %s", line)
		}
	}
	headings := 0 // the line above the tentative rules, if the features have any
	for _, r := range repoRules(t) {
		if r.Tentative {
			headings = 1
		}
	}
	assert.Equal(t, len(repoRules(t))+headings+4, rows)
	assert.Contains(t, md, "| disconnected session | failed (expected): keeps answering after disconnect | not run |")
	assert.Contains(t, md, "`make conformance SDK=node SDK_VERSION=1.0.4`")
}

// A build the machine could not run at all keeps its column, saying why,
// with every cell "not run": never an empty or a passing column.
func TestABuildThatCouldNotRunShowsItsReason(t *testing.T) {
	runs := append(fixtureRuns(), results.Run{Label: "java", SDK: "java", Runtime: "fake", Runner: "local", Transport: "tcp",
		NotRun: "java: com.github:copilot-sdk-java:1.0.11 is not served by the Maven registry this machine reaches"})
	p := Build(repoRules(t), runs, nil, "abc123", time.Now())
	require.Len(t, p.Columns, 3)
	assert.Equal(t, "java", p.Columns[2].Title)
	assert.Equal(t, "fake runtime · local · tcp", p.Columns[2].Subtitle)
	for _, sec := range p.Sections {
		assert.Equal(t, "not run", sec.Totals[2], sec.ID)
		for _, row := range sec.Scenarios {
			assert.Equal(t, "notrun", row.Cells[2].Class, row.Name)
		}
	}
	assert.Equal(t, "fake fake-1", p.RuntimeVersions, "a build that did not run used no runtime")

	var html, md bytes.Buffer
	require.NoError(t, p.HTML(&html))
	require.NoError(t, p.Markdown(&md))
	for _, out := range []string{html.String(), md.String()} {
		assert.Contains(t, out, "not served by the Maven registry this machine reaches")
	}
	assert.Contains(t, html.String(), "(not run here)")
	assert.Contains(t, md.String(), "| *not run here* |  |  | java: com.github")
}

// The dashboard says what the features say: a rule's title, text and, for
// a tentative rule, why it is proposed, come from the rules given.
func TestRuleTextsComeFromTheFeatures(t *testing.T) {
	rules := []contract.Rule{
		{ID: "BT-7", Number: 7, Title: "Edited title", Text: "Edited `text`.\n\nSecond paragraph."},
		{ID: "BT-8", Number: 8, Title: "Proposed", Text: "A proposal.", Tentative: true, Why: "upstream fixed it once"},
	}
	p := Build(rules, fixtureRuns(), nil, "abc123", time.Now())
	require.Len(t, p.Sections, 2)
	var html, md bytes.Buffer
	require.NoError(t, p.HTML(&html))
	require.NoError(t, p.Markdown(&md))
	assert.False(t, p.Sections[0].StartsTentative)
	assert.True(t, p.Sections[1].StartsTentative, "the first tentative rule starts the proposals")
	for _, want := range []string{"BT-7 Edited title", "Edited <code>text</code>.", "Tentative rules: proposed by the suite", "Why proposed: upstream fixed it once"} {
		assert.Contains(t, html.String(), want)
	}
	assert.Contains(t, md.String(), "| **BT-7 Edited title** Edited `text`. Second paragraph. |")
	assert.Contains(t, md.String(), "| ***Tentative rules: proposed by the suite, not stated by the SDKs' sources*** | | |\n| **BT-8 Proposed** *(tentative)* A proposal. Why proposed: upstream fixed it once |")
}
