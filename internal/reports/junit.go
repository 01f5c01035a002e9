package reports

import (
	"encoding/xml"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"conformance/internal/expectations"
	"conformance/internal/results"
)

// The JUnit XML the suite writes, limited to what the Jenkins xunit JUnit
// schema (schema/junit-10.xsd) allows: no attribute of our own.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
	time       time.Duration
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string         `xml:"name,attr"`
	Classname string         `xml:"classname,attr"`
	Time      string         `xml:"time,attr"`
	Skipped   *junitOutcome  `xml:"skipped"`
	Error     *junitOutcome  `xml:"error"`
	Failure   *junitOutcome  `xml:"failure"`
	SystemOut *junitTextNode `xml:"system-out"`
}

type junitOutcome struct {
	Message string `xml:"message,attr,omitempty"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

type junitTextNode struct {
	Text string `xml:",chardata"`
}

// maxMessage bounds a failure's message attribute: CI tools show it on
// one line; the whole failure (with the wire log) is the element's text.
const maxMessage = 200

// JUnit renders a run record as JUnit XML that says what the suite means:
//   - a scenario that does not apply to the build is <skipped message="why">;
//   - an expected failure (listed in expectations/<sdk>.yaml) is not a
//     failure and not a pass either: a <skipped> whose message says
//     "expected failure" and names the entry (scenario and versions), as
//     pytest writes an xfail; the failure it covered is the element's text;
//   - a build that ended without a verdict (run.Error) is one test case
//     with an <error> naming the step that failed and the tool's message;
//   - an unexpected failure is a <failure> whose message attribute is the
//     failure's first line and whose text is the whole of it;
//   - a scenario that passed but is listed as a known failure is a
//     <failure> of type "unexpected pass" (the run fails on it too);
//   - an observed scenario passes, its observations in <system-out>.
//
// Every test case's classname is the build's label, so files of several
// builds merged into one still say which build each case belongs to. Times
// come from times (per scenario; missing ones are 0) with 3 decimals.
func JUnit(run results.Run, times durations) ([]byte, error) {
	if times == nil {
		times = durations{}
	}
	suites := map[string]*junitSuite{}
	suiteOf := func(feature string) *junitSuite {
		if s, ok := suites[feature]; ok {
			return s
		}
		s := &junitSuite{Name: run.Label + ": " + feature, Timestamp: run.FinishedAt, Properties: runProperties(run)}
		suites[feature] = s
		return s
	}
	add := func(j expectations.Judged, c junitCase) {
		s := suiteOf(j.Feature)
		d := times.take(scenarioKey{j.Feature, j.Scenario})
		c.Name, c.Classname, c.Time = j.Scenario, run.Label, seconds(d)
		s.Cases = append(s.Cases, c)
		s.Tests++
		s.time += d
		if c.Failure != nil {
			s.Failures++
		}
		if c.Skipped != nil {
			s.Skipped++
		}
		if c.Error != nil {
			s.Errors++
		}
	}
	if run.Error != nil {
		add(expectations.Judged{Result: expectations.Result{Feature: "set-up", Scenario: run.Error.Step}}, junitCase{Error: &junitOutcome{
			Message: shortMessage("did not run: " + run.Error.String()), Type: run.Error.Step, Text: run.Error.Message}})
	}
	v := run.Verdict
	for _, j := range v.Passed {
		add(j, junitCase{SystemOut: observations(j)})
	}
	for _, j := range v.Observed {
		add(j, junitCase{SystemOut: observations(j)})
	}
	for _, j := range v.ExpectedFailures {
		msg := fmt.Sprintf("expected failure: expectations/%s.yaml lists %q (versions %s)", run.SDK, j.Scenario, j.Versions)
		text := fmt.Sprintf("%s: %s\n\nthe failure it covers:\n%s\n", msg, j.Reason, j.Message)
		add(j, junitCase{Skipped: &junitOutcome{Message: msg, Type: "expected failure", Text: text}, SystemOut: observations(j)})
	}
	for _, j := range v.NotApplicable {
		add(j, junitCase{Skipped: &junitOutcome{Message: j.Message}})
	}
	for _, j := range v.UnexpectedFailures {
		add(j, junitCase{Failure: &junitOutcome{Message: shortMessage(j.Message), Type: "unexpected failure", Text: j.Message}})
	}
	for _, j := range v.UnexpectedPasses {
		msg := fmt.Sprintf("passed, but expectations/%s.yaml lists it as a known failure: remove the entry", run.SDK)
		add(j, junitCase{Failure: &junitOutcome{Message: msg, Type: "unexpected pass", Text: "the entry's reason: " + j.Reason}})
	}

	all := junitSuites{Name: "bearer-token conformance: " + run.Label}
	features := make([]string, 0, len(suites))
	for f := range suites {
		features = append(features, f)
	}
	sort.Strings(features)
	var total time.Duration
	for _, f := range features {
		s := suites[f]
		s.Time = seconds(s.time)
		all.Suites = append(all.Suites, *s)
		all.Tests += s.Tests
		all.Failures += s.Failures
		all.Errors += s.Errors
		total += s.time
	}
	all.Time = seconds(total)
	b, err := xml.MarshalIndent(all, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}

// runProperties describe the build, for tools that show a suite's
// properties (the XSD allows them on test suites only).
func runProperties(run results.Run) []junitProperty {
	props := []junitProperty{
		{"label", run.Label}, {"sdk", run.SDK}, {"sdkVersion", run.SDKVersion},
		{"generation", strconv.Itoa(run.Generation)}, {"runtime", run.Runtime}, {"runtimeVersion", run.RuntimeVersion},
		{"transport", run.Transport}, {"runner", run.Runner}, {"status", run.StatusOf()},
		{"suiteVersion", run.Suite.Version}, {"suiteCommit", run.Suite.Commit},
		{"ruleSet", run.Suite.Rules.Digest}, {"rules", strings.Join(run.Suite.Rules.IDs, " ")},
	}
	if run.Improvements != "" {
		props = append(props, junitProperty{"improvements", run.Improvements})
	}
	if run.Source != "" {
		props = append(props, junitProperty{"source", run.Source})
	}
	if run.Tags != "" {
		props = append(props, junitProperty{"tags", run.Tags})
	}
	return props
}

func observations(j expectations.Judged) *junitTextNode {
	if len(j.Observations) == 0 {
		return nil
	}
	var b strings.Builder
	for _, o := range j.Observations {
		fmt.Fprintf(&b, "observed: %s = %s\n", o.Name, o.Value)
	}
	return &junitTextNode{b.String()}
}

// shortMessage is the first line of a failure, cut to maxMessage runes.
func shortMessage(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	if r := []rune(line); len(r) > maxMessage {
		line = string(r[:maxMessage-1]) + "…"
	}
	return line
}

// seconds formats a duration as JUnit times are read: seconds, 3 decimals.
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
}
