package steps

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
// generation, and the scenarios passed / failed (expected, unexpected) /
// not applicable (with the rules they belong to) / observed, and stale
// known failures.
func FormatSummary(rows []SummaryRow) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "SDK\tversion\tgen\tpassed\tfailed (expected, unexpected)\tunexpectedly passed\tnot applicable (by rule)\tobserved\tstale\tverdict")
	for _, r := range rows {
		if r.Report == nil {
			fmt.Fprintf(w, "%s\t-\t-\t-\t-\t-\t-\t-\t-\t%s\n", r.Label, firstLine(r.Problem))
			continue
		}
		v, h := r.Report.Verdict, r.Report.Hello
		verdict := "ok"
		if !v.OK() {
			verdict = "UNEXPECTED RESULTS"
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%d (%d, %d)\t%d\t%s\t%d\t%d\t%s\n", r.Label, h.SDKVersion, h.Generation,
			len(v.Passed), len(v.ExpectedFailures)+len(v.UnexpectedFailures), len(v.ExpectedFailures),
			len(v.UnexpectedFailures), len(v.UnexpectedPasses), notApplicableByRule(v), len(v.Observed), len(v.Stale), verdict)
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
