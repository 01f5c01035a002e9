package reports

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/contract"
	"conformance/internal/dashboard"
	"conformance/internal/expectations"
	"conformance/internal/results"
)

func judged(feature, scenario string, status expectations.Status, message string) expectations.Judged {
	return expectations.Judged{Result: expectations.Result{Feature: feature, Scenario: scenario, Tags: []string{"@BT-1"}, Status: status, Message: message}}
}

// sampleRun has one scenario of each kind the verdict knows.
func sampleRun(label string) results.Run {
	wireLog := "step \"the runtime asks\" failed: got a result, want an error\n\nwire log:\n" + strings.Repeat("<- {\"jsonrpc\":\"2.0\"}\n", 50)
	expected := judged("sessions", "A disconnected session is not served", expectations.Failed, "got a token for a disconnected session")
	expected.Expected, expected.Reason, expected.Versions = true, "close() leaves the callbacks registered", "<1.0.15"
	stale := judged("sessions", "A stale known failure", expectations.Passed, "")
	stale.Expected, stale.Reason = true, "fixed upstream"
	observed := judged("observed", "An empty token", expectations.Observed, "")
	observed.Observations = []expectations.Observation{{Name: "answer to an empty token", Value: `{"token":""}`}}
	return results.Run{
		Label: label, SDK: "go", SDKVersion: "1.0.14", Generation: 2, CallbackField: "BearerTokenProvider",
		Runtime: "fake", RuntimeVersion: "fake-1", Runner: "local", Transport: "tcp", FinishedAt: "2026-12-01T08:00:00Z",
		Verdict: expectations.Verdict{
			Passed:             []expectations.Judged{judged("token_requests", "The default provider's callback is called", expectations.Passed, "")},
			ExpectedFailures:   []expectations.Judged{expected},
			UnexpectedFailures: []expectations.Judged{judged("token_requests", "Each request invokes the callback once", expectations.Failed, wireLog)},
			UnexpectedPasses:   []expectations.Judged{stale},
			NotApplicable: []expectations.Judged{
				judged("sessions", "The callback receives the session id", expectations.NotApplicable, "needs contract generation 2"),
				judged("failures", "A failing sync callback", expectations.NotApplicable, "one callback style"),
			},
			Observed: []expectations.Judged{observed},
		},
	}
}

type parsedCase struct {
	Name      string `xml:"name,attr"`
	Classname string `xml:"classname,attr"`
	Time      string `xml:"time,attr"`
	Skipped   *struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	} `xml:"skipped"`
	Failure *struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	} `xml:"failure"`
	Error     *struct{} `xml:"error"`
	SystemOut string    `xml:"system-out"`
}

type parsedSuites struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Suites   []struct {
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Skipped  int          `xml:"skipped,attr"`
		Time     string       `xml:"time,attr"`
		Cases    []parsedCase `xml:"testcase"`
	} `xml:"testsuite"`
}

func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, b, 0o644))
	return path
}

func TestJUnitSaysWhatTheVerdictMeans(t *testing.T) {
	run := sampleRun("go")
	times := durations{{"token_requests", "Each request invokes the callback once"}: {1234567891 * time.Nanosecond}}
	b, err := JUnit(run, times)
	require.NoError(t, err)
	require.NoError(t, CheckJUnit(writeTemp(t, "junit.xml", b)), "the JUnit XSD must accept the file")

	var doc parsedSuites
	require.NoError(t, xml.Unmarshal(b, &doc))
	assert.Equal(t, 7, doc.Tests)
	assert.Equal(t, 2, doc.Failures, "the unexpected failure and the unexpected pass, not the expected failure")
	assert.Equal(t, 0, doc.Errors)
	cases := map[string]parsedCase{}
	skipped := 0
	for _, s := range doc.Suites {
		assert.True(t, strings.HasPrefix(s.Name, "go: "), "suite %q names the build", s.Name)
		skipped += s.Skipped
		for _, c := range s.Cases {
			cases[c.Name] = c
			assert.Equal(t, "go", c.Classname, "every case's classname is the build's label")
			assert.Regexp(t, `^\d+\.\d{3}$`, c.Time)
			assert.Nil(t, c.Error, "the suite writes no <error>: %s", c.Name)
		}
	}
	assert.Equal(t, len(run.Verdict.NotApplicable)+len(run.Verdict.ExpectedFailures), skipped, "not applicable and expected failures are skipped")

	for _, tc := range []struct {
		scenario    string
		skipped     string // the skipped message, if skipped
		failureType string // the failure's type, if failed
		out         string // a fragment of system-out
	}{
		{scenario: "The default provider's callback is called"},
		{scenario: "A disconnected session is not served", skipped: `expected failure: expectations/go.yaml lists "A disconnected session is not served" (versions <1.0.15)`},
		{scenario: "The callback receives the session id", skipped: "needs contract generation 2"},
		{scenario: "Each request invokes the callback once", failureType: "unexpected failure"},
		{scenario: "A stale known failure", failureType: "unexpected pass"},
		{scenario: "An empty token", out: `answer to an empty token = {"token":""}`},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			c, ok := cases[tc.scenario]
			require.True(t, ok)
			if tc.skipped != "" {
				require.NotNil(t, c.Skipped)
				assert.Equal(t, tc.skipped, c.Skipped.Message)
			} else {
				assert.Nil(t, c.Skipped)
			}
			if tc.failureType != "" {
				require.NotNil(t, c.Failure)
				assert.Equal(t, tc.failureType, c.Failure.Type)
			} else {
				assert.Nil(t, c.Failure, "not a failure")
			}
			assert.Contains(t, c.SystemOut, tc.out)
		})
	}

	failure := cases["Each request invokes the callback once"]
	assert.Equal(t, `step "the runtime asks" failed: got a result, want an error`, failure.Failure.Message, "the message attribute is the first line")
	assert.Contains(t, failure.Failure.Text, "wire log:", "the detail is the element's text")
	assert.Equal(t, "1.235", failure.Time)
	xfail := cases["A disconnected session is not served"].Skipped
	assert.Equal(t, "expected failure", xfail.Type)
	assert.Contains(t, xfail.Text, "close() leaves the callbacks registered", "the entry's reason")
	assert.Contains(t, xfail.Text, "got a token for a disconnected session", "the failure an expectation covers is kept")
}

func TestShortMessageIsBounded(t *testing.T) {
	long := strings.Repeat("x", 500) + "\nsecond line"
	got := shortMessage(long)
	assert.Len(t, []rune(got), maxMessage)
	assert.NotContains(t, got, "second line")
}

// Merged as junit-report-merger does (every file's test suites under one
// root), the files of two builds still say which build each case is from.
func TestMergedJUnitKeepsEachBuildsLabel(t *testing.T) {
	var merged bytes.Buffer
	merged.WriteString(xml.Header + "<testsuites>\n")
	for _, label := range []string{"go", "node@1.0.4"} {
		b, err := JUnit(sampleRun(label), nil)
		require.NoError(t, err)
		var doc struct {
			Inner []byte `xml:",innerxml"`
		}
		require.NoError(t, xml.Unmarshal(b, &doc))
		merged.Write(doc.Inner)
	}
	merged.WriteString("</testsuites>\n")
	require.NoError(t, CheckJUnit(writeTemp(t, "merged.xml", merged.Bytes())))

	var doc parsedSuites
	require.NoError(t, xml.Unmarshal(merged.Bytes(), &doc))
	byLabel := map[string]int{}
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			if c.Name == "Each request invokes the callback once" {
				byLabel[c.Classname]++
				assert.True(t, strings.HasPrefix(s.Name, c.Classname+": "))
			}
		}
	}
	assert.Equal(t, map[string]int{"go": 1, "node@1.0.4": 1}, byLabel)
}

func TestCheckJUnitRejectsWhatGodogWrote(t *testing.T) {
	// godog's own formatter: a status attribute and 9 decimals.
	godog := `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="x" tests="1" skipped="0" failures="0" errors="0" time="7.760462017">
  <testsuite name="f" tests="1" skipped="0" failures="0" errors="0" time="0.096993196">
    <testcase name="s" status="passed" time="0.009864304"></testcase>
  </testsuite>
</testsuites>`
	err := CheckJUnit(writeTemp(t, "junit.xml", []byte(godog)))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "status")
}

// godogCucumber is the shape godog writes: absolute uris, feature-level
// comments, data tables as "rows", doc strings as "doc_string".
func godogCucumber(root string) []byte {
	return []byte(`[{"uri": "` + root + `/features/sessions.feature", "id": "sessions", "keyword": "Feature", "name": "Sessions",
  "description": "", "line": 1, "comments": [{"value": "# a comment", "line": 2}],
  "elements": [{"id": "sessions;a", "keyword": "Scenario", "name": "A", "description": "", "line": 5, "type": "scenario",
    "tags": [{"name": "@BT-8", "line": 4}],
    "steps": [
      {"keyword": "Given ", "name": "a table", "line": 6, "match": {"location": "x.go:1"}, "result": {"status": "passed", "duration": 1500000000},
       "rows": [{"cells": ["a", "b"]}]},
      {"keyword": "Then ", "name": "a doc", "line": 8, "match": {"location": "x.go:2"}, "result": {"status": "failed", "duration": 500000000, "error_message": "boom"},
       "doc_string": {"value": "text", "content_type": "", "line": 9}},
      {"keyword": "And ", "name": "plain", "line": 12, "match": {"location": "x.go:3"}, "result": {"status": "skipped"}}
    ]}]}]`)
}

func TestFixCucumberMakesItValid(t *testing.T) {
	root := "/checkout"
	raw := godogCucumber(root)
	require.Error(t, CheckCucumber(writeTemp(t, "raw.json", raw)), "what godog writes fails Cucumber's schema")

	fixed, times, err := fixCucumber(raw, root)
	require.NoError(t, err)
	require.NoError(t, CheckCucumber(writeTemp(t, "cucumber.json", fixed)))
	var features []map[string]any
	require.NoError(t, json.Unmarshal(fixed, &features))
	assert.Equal(t, "features/sessions.feature", features[0]["uri"])
	assert.NotContains(t, features[0], "comments")
	assert.Equal(t, []time.Duration{2 * time.Second}, times[scenarioKey{"sessions", "A"}])
}

func TestVerdictJSONListsAreNeverNull(t *testing.T) {
	dir := t.TempDir()
	run := sampleRun("go")
	run.Verdict.Observed = nil
	run.Verdict.Passed[0].Tags = nil
	require.NoError(t, run.Write(dir))
	b, err := os.ReadFile(filepath.Join(dir, results.FileName))
	require.NoError(t, err)
	assert.NotContains(t, string(b), "null")
	assert.Regexp(t, regexp.MustCompile(`"observed": \[\]`), string(b))
	require.NoError(t, CheckVerdict(filepath.Join(dir, results.FileName)))

	notRun := results.Run{Label: "dotnet", SDK: "dotnet", Runtime: "fake", Runner: "local", Transport: "tcp",
		FinishedAt: "2026-12-01T08:00:00Z", NotRun: ".NET SDK not found"}
	require.NoError(t, notRun.Write(dir))
	require.NoError(t, CheckVerdict(filepath.Join(dir, results.FileName)), "a build that did not run has a valid record too")

	nullList := bytes.Replace(b, []byte(`"observed": []`), []byte(`"observed": null`), 1)
	err = CheckVerdict(writeTemp(t, results.FileName, nullList))
	require.Error(t, err, "the schema refuses a null list")
}

func TestWriteAndCheckAFolder(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "results", "go")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, sampleRun("go").Write(dir))
	require.NoError(t, os.WriteFile(filepath.Join(dir, CucumberFile), godogCucumber(root), 0o644))
	require.NoError(t, Write(dir, root))
	n, err := CheckAll(filepath.Join(root, "results"))
	require.NoError(t, err)
	assert.Equal(t, 1, n)

	require.NoError(t, os.WriteFile(filepath.Join(dir, JUnitFile), []byte("<testsuites><testcase/></testsuites>"), 0o644))
	_, err = CheckAll(filepath.Join(root, "results"))
	assert.ErrorContains(t, err, JUnitFile)

	_, err = CheckAll(t.TempDir())
	assert.ErrorContains(t, err, "no run folders")
}

func TestGate(t *testing.T) {
	good := sampleRun("node")
	good.SDK = "node"
	good.Verdict.UnexpectedFailures, good.Verdict.UnexpectedPasses, good.OK = nil, nil, true
	bad := sampleRun("go")
	notRun := results.Run{Label: "dotnet", SDK: "dotnet", NotRun: ".NET SDK not found"}
	hello := results.Run{Label: "node.stdio", SDK: "node", Runtime: "fake", Transport: "stdio",
		Error: &results.RunError{Step: "driver hello", Message: "driver exited before hello: exit status 1"}}
	improved := good
	improved.Label, improved.Improvements, improved.ExpectationsDiff = "node.real-runtime", results.ImprovementsNotice, "expectations.diff"
	improved.Verdict.Improvements = []expectations.KnownFailure{{Scenario: "A stale known failure", Versions: expectations.AllVersions(), Reason: "fixed upstream"}}
	for _, tc := range []struct {
		name  string
		runs  []results.Run
		asked Asked
		want  bool
		says  string
	}{
		{"all ok", []results.Run{good}, Asked{}, true, "ok       node"},
		{"an unexpected result", []results.Run{good, bad}, Asked{}, false, "unexpected failure: BT-1 Each request invokes the callback once"},
		{"not run is never green", []results.Run{good, notRun}, Asked{}, false, "NOT RUN  dotnet"},
		{"an error verdict", []results.Run{good, hello}, Asked{}, false, "ERROR    node.stdio: did not run: driver hello: driver exited before hello"},
		{"an asked configuration without a record", []results.Run{good}, ParseAsked("node", "fake", "tcp,stdio"), false,
			"MISSING  node on the fake runtime over stdio"},
		{"every asked configuration", []results.Run{good}, ParseAsked("node", "fake", "tcp"), true, "ok"},
		{"an improvement allowed", []results.Run{improved}, Asked{}, true, "::notice title=improvement: node.real-runtime::"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			assert.Equal(t, tc.want, Gate(&out, tc.runs, tc.asked), out.String())
			assert.Contains(t, out.String(), tc.says)
		})
	}
}

func loaded(runs ...results.Run) []dashboard.LoadedRun {
	out := make([]dashboard.LoadedRun, len(runs))
	for i, r := range runs {
		out[i] = dashboard.LoadedRun{Run: r}
	}
	return out
}

func TestComment(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, Comment(&out, CommentInput{Runs: loaded(sampleRun("go"))}))
	s := out.String()
	assert.True(t, strings.HasPrefix(s, CommentMarker+"\n"))
	assert.Contains(t, s, "**unexpected results")
	assert.Contains(t, s, "| `go` | failed | go 1.0.14 | 2 | 1 | 1 | 1 | 1 | 2 | 1 |")
	assert.Contains(t, s, "unexpected failure: BT-1 **Each request invokes the callback once**")
	assert.Contains(t, s, "Nothing to compare with")
}

func TestCommentComparesWithAParityFile(t *testing.T) {
	rules, err := contract.Load(filepath.Join("..", "..", "features"))
	require.NoError(t, err)
	other := sampleRun("node")
	other.SDK = "node"
	base := dashboard.Build(rules, dashboard.Input{Runs: loaded(other)}, "v", "then")
	pr := sampleRun("go@1.0.14+pr.7")
	var out bytes.Buffer
	require.NoError(t, Comment(&out, CommentInput{Runs: loaded(pr), Compare: &base, CompareFrom: "the nightly", Rules: rules}))
	s := out.String()
	assert.Contains(t, s, "Beside the other SDKs' latest results (the nightly)")
	assert.Regexp(t, `\| rule \| node 1\.0\.14 g2 \|[^\n]*\| go 1\.0\.14 g2 \|\n`, s, "the other SDK's column, then the build's")
	assert.NotContains(t, s, "Nothing to compare with")
}

// However many runs and unexpected results, the comment fits GitHub's
// limit, and says it was cut.
func TestCommentStaysUnderGitHubsLimit(t *testing.T) {
	run := sampleRun("go")
	long := run.Verdict.UnexpectedFailures[0]
	for i := 0; i < 2000; i++ {
		j := long
		j.Scenario = fmt.Sprintf("scenario %d %s", i, strings.Repeat("x", 60))
		run.Verdict.UnexpectedFailures = append(run.Verdict.UnexpectedFailures, j)
	}
	var out bytes.Buffer
	require.NoError(t, Comment(&out, CommentInput{Runs: loaded(run)}))
	assert.LessOrEqual(t, out.Len(), dashboard.CommentLimit)
	assert.Less(t, len([]rune(out.String())), 65536)
	assert.Contains(t, out.String(), "cut here")
}

// A build that ended before its scenarios: its junit.xml has one error
// case saying why, its cucumber.json one failed scenario, and both, with
// its verdict.json, are valid against the schemas.
func TestAnErrorVerdictsReports(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "results", "python.stdio")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	run := results.Run{Label: "python.stdio", SDK: "python", Runtime: "fake", Runner: "local", Transport: "stdio",
		FinishedAt: "2026-12-01T08:00:00Z", Error: &results.RunError{Step: "SDK install", Message: "pip install: ERROR: invalid pyproject.toml"},
		Suite: results.Suite{Version: "0.7.0", Rules: results.RuleSetOf([][3]string{{"BT-1", "t", "x"}})}}
	require.NoError(t, run.Write(dir))
	require.NoError(t, Write(dir, root))
	n, err := CheckAll(filepath.Join(root, "results"))
	require.NoError(t, err)
	assert.Equal(t, 1, n)

	b, err := os.ReadFile(filepath.Join(dir, JUnitFile))
	require.NoError(t, err)
	var doc parsedSuites
	require.NoError(t, xml.Unmarshal(b, &doc))
	assert.Equal(t, 1, doc.Errors)
	assert.Equal(t, 1, doc.Tests)
	assert.Contains(t, string(b), `message="did not run: SDK install: pip install: ERROR: invalid pyproject.toml"`)
	assert.Contains(t, string(b), `<property name="suiteVersion" value="0.7.0">`)
	c, err := os.ReadFile(filepath.Join(dir, CucumberFile))
	require.NoError(t, err)
	assert.Contains(t, string(c), `"status": "failed"`)
	v, err := results.Load(dir)
	require.NoError(t, err)
	assert.Equal(t, results.StatusError, v.Status)
	assert.False(t, v.OK)
}
