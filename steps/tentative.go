package steps

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"

	"conformance/internal/expectations"
	"conformance/internal/results"
)

// tentativeTag marks a Rule block of a tentative rule (features/tentative/).
const tentativeTag = "@tentative"

// splitTentative parts a verdict into the scenarios of BT-1..15 and those
// of the tentative rules, so each is counted on its own.
func splitTentative(v expectations.Verdict) (core, tentative expectations.Verdict) {
	part := func(list []expectations.Judged) (c, t []expectations.Judged) {
		for _, j := range list {
			if slices.Contains(j.Tags, tentativeTag) {
				t = append(t, j)
			} else {
				c = append(c, j)
			}
		}
		return c, t
	}
	core.Passed, tentative.Passed = part(v.Passed)
	core.ExpectedFailures, tentative.ExpectedFailures = part(v.ExpectedFailures)
	core.UnexpectedFailures, tentative.UnexpectedFailures = part(v.UnexpectedFailures)
	core.UnexpectedPasses, tentative.UnexpectedPasses = part(v.UnexpectedPasses)
	core.NotApplicable, tentative.NotApplicable = part(v.NotApplicable)
	core.Observed, tentative.Observed = part(v.Observed)
	core.Unused = v.Unused
	return core, tentative
}

// tentativeRules reads the tentative rules from the Rule blocks tagged
// @tentative under featuresDir ("Rule: BT-16 <title>", a description whose
// "Why:" line says why) and attaches the judged scenarios of each.
func tentativeRules(featuresDir string, v expectations.Verdict) ([]results.TentativeRule, error) {
	_, tentative := splitTentative(v)
	judged := slices.Concat(tentative.Passed, tentative.ExpectedFailures, tentative.UnexpectedFailures,
		tentative.UnexpectedPasses, tentative.NotApplicable, tentative.Observed)
	files, err := filepath.Glob(filepath.Join(featuresDir, "tentative", "*.feature"))
	if err != nil {
		return nil, err
	}
	var rules []results.TentativeRule
	for _, f := range files {
		r, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		doc, err := gherkin.ParseGherkinDocument(r, (&messages.Incrementing{}).NewId)
		r.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, child := range doc.Feature.Children {
			rule := child.Rule
			if rule == nil || !slices.ContainsFunc(rule.Tags, func(t *messages.Tag) bool { return t.Name == tentativeTag }) {
				continue
			}
			id, title, _ := strings.Cut(rule.Name, " ")
			tr := results.TentativeRule{ID: id, Title: title}
			for _, line := range strings.Split(rule.Description, "\n") {
				if why, ok := strings.CutPrefix(strings.TrimSpace(line), "Why:"); ok {
					tr.Why = strings.TrimSpace(why)
				}
			}
			for _, j := range judged {
				if slices.Contains(j.Tags, "@"+id) {
					tr.Scenarios = append(tr.Scenarios, j)
				}
			}
			if len(tr.Scenarios) > 0 { // only the rules this run included
				rules = append(rules, tr)
			}
		}
	}
	return rules, nil
}

// printTentative writes the tentative rules' heading and one line per
// scenario, with the evidence of a failure as for any other.
func printTentative(w io.Writer, rules []results.TentativeRule) {
	if len(rules) == 0 {
		return
	}
	fmt.Fprintf(w, "  tentative rules (proposed by the suite; a failure here does not make the SDK non-conformant):\n")
	for _, r := range rules {
		fmt.Fprintf(w, "    %s %s (why: %s)\n", r.ID, r.Title, r.Why)
		for _, j := range r.Scenarios {
			status := string(j.Status)
			switch {
			case j.Status == expectations.Failed && j.Expected:
				status = "failed (expected: " + j.Reason + ")"
			case j.Status == expectations.Failed:
				status = "FAILED (unexpected)"
			case j.Status == expectations.Passed && j.Expected:
				status = "UNEXPECTEDLY PASSED"
			}
			fmt.Fprintf(w, "      %-20s %s", status, j.Scenario)
			if j.Message != "" {
				fmt.Fprintf(w, ": %s", j.Message)
			}
			fmt.Fprintln(w)
		}
	}
}
