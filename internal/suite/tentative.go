package suite

import (
	"fmt"
	"io"
	"slices"

	"conformance/internal/contract"
	"conformance/internal/expectations"
	"conformance/internal/results"
)

// tentativeTag marks a Rule block of a tentative rule; godog passes a
// Rule's tags on to its scenarios.
const tentativeTag = contract.TentativeTag

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
	core.Stale, core.NotRun, core.Improvements = v.Stale, v.NotRun, v.Improvements
	for rule, n := range v.NotApplicableByRule {
		if !slices.ContainsFunc(tentative.NotApplicable, func(j expectations.Judged) bool { return slices.Contains(j.Tags, "@"+rule) }) {
			if core.NotApplicableByRule == nil {
				core.NotApplicableByRule = map[string]int{}
			}
			core.NotApplicableByRule[rule] = n
		}
	}
	return core, tentative
}

// tentativeRules reads the tentative rules from the features (package
// contract: Rule blocks tagged @tentative, with their "Why:") and attaches
// the judged scenarios of each; only the rules this run included.
func tentativeRules(rules []contract.Rule, v expectations.Verdict) []results.TentativeRule {
	_, tentative := splitTentative(v)
	judged := slices.Concat(tentative.Passed, tentative.ExpectedFailures, tentative.UnexpectedFailures,
		tentative.UnexpectedPasses, tentative.NotApplicable, tentative.Observed)
	var out []results.TentativeRule
	for _, rule := range rules {
		if !rule.Tentative {
			continue
		}
		tr := results.TentativeRule{ID: rule.ID, Title: rule.Title, Why: rule.Why}
		for _, j := range judged {
			if slices.Contains(j.Tags, rule.Tag()) {
				tr.Scenarios = append(tr.Scenarios, j)
			}
		}
		if len(tr.Scenarios) > 0 {
			out = append(out, tr)
		}
	}
	return out
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
