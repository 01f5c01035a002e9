package steps

import (
	"fmt"
	"strings"
	"text/tabwriter"
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
// not applicable / observed.
func FormatSummary(rows []SummaryRow) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "SDK\tversion\tgen\tpassed\tfailed (expected, unexpected)\tunexpectedly passed\tnot applicable\tobserved\tverdict")
	for _, r := range rows {
		if r.Report == nil {
			fmt.Fprintf(w, "%s\t-\t-\t-\t-\t-\t-\t-\t%s\n", r.Label, firstLine(r.Problem))
			continue
		}
		v, h := r.Report.Verdict, r.Report.Hello
		verdict := "ok"
		if !v.OK() {
			verdict = "UNEXPECTED RESULTS"
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%d (%d, %d)\t%d\t%d\t%d\t%s\n", r.Label, r.Report.versionColumn(), h.Generation,
			len(v.Passed), len(v.ExpectedFailures)+len(v.UnexpectedFailures), len(v.ExpectedFailures),
			len(v.UnexpectedFailures), len(v.UnexpectedPasses), len(v.NotApplicable), len(v.Observed), verdict)
	}
	w.Flush()
	return b.String()
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
