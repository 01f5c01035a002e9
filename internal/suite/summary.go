package suite

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"conformance/internal/expectations"
)

// SummaryRow is one SDK build's line in the closing table of a multi-SDK
// run: its report, or why it could not run.
type SummaryRow struct {
	Label   string
	Report  *Report // nil when the run could not happen
	Problem string  // why, when Report is nil
}

// FormatSummary renders the closing table: SDK, version, contract
// generation, and the scenarios of BT-1..15 passed / failed (expected,
// unexpected) / not applicable (with the rules they belong to) / observed,
// stale known failures; then, apart, the scenarios of the tentative rules
// passed / failed (a failure there does not make the SDK non-conformant,
// but an unexpected one still makes the verdict say so).
func FormatSummary(rows []SummaryRow) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "SDK\tversion\tgen\tpassed\tfailed (expected, unexpected)\tunexpectedly passed\tnot applicable (by rule)\tobserved\tstale\ttentative passed/failed\tverdict")
	for _, r := range rows {
		if r.Report == nil {
			problem, _, _ := strings.Cut(r.Problem, "\n")
			fmt.Fprintf(w, "%s\t-\t-\t-\t-\t-\t-\t-\t-\t%s\n", r.Label, problem)
			continue
		}
		h := r.Report.Hello
		v, t := splitTentative(r.Report.Verdict)
		verdict := "ok"
		if !r.Report.OK() {
			verdict = "UNEXPECTED RESULTS"
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%d (%d, %d)\t%d\t%s\t%d\t%d\t%d/%d\t%s\n", r.Label, r.Report.versionColumn(), h.Generation,
			len(v.Passed), len(v.ExpectedFailures)+len(v.UnexpectedFailures), len(v.ExpectedFailures),
			len(v.UnexpectedFailures), len(v.UnexpectedPasses), notApplicableByRule(v), len(v.Observed), len(v.Stale),
			len(t.Passed), len(t.ExpectedFailures)+len(t.UnexpectedFailures), verdict)
	}
	w.Flush()
	return b.String()
}

// notApplicableByRule renders "3 (BT-13: 2, BT-8: 1)", rules in their order.
func notApplicableByRule(v expectations.Verdict) string {
	out := fmt.Sprint(len(v.NotApplicable))
	if len(v.NotApplicableByRule) == 0 {
		return out
	}
	rules := make([]string, 0, len(v.NotApplicableByRule))
	for rule := range v.NotApplicableByRule {
		rules = append(rules, rule)
	}
	sort.Slice(rules, func(i, j int) bool { return ruleNumber(rules[i]) < ruleNumber(rules[j]) })
	for i, rule := range rules {
		rules[i] = fmt.Sprintf("%s: %d", rule, v.NotApplicableByRule[rule])
	}
	return out + " (" + strings.Join(rules, ", ") + ")"
}

func ruleNumber(rule string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(rule, "BT-"))
	return n
}

// versionColumn is the version a run took its SDK for, marked when a build
// from source left it unknown.
func (r *Report) versionColumn() string {
	switch {
	case r.SDKVersion == "":
		return r.Hello.SDKVersion
	case !r.VersionKnown && r.Config.Source != "":
		return r.SDKVersion + " (unknown)"
	}
	return r.SDKVersion
}
