package reports

import (
	"fmt"
	"io"
	"strings"

	"conformance/internal/results"
)

// Gate writes one line per run and the unexpected results of each, and
// reports whether a CI may go green: every run judged OK, and, when
// requireRun is set (a CI whose cells all should run), no build left
// without running.
func Gate(w io.Writer, runs []results.Run, requireRun bool) bool {
	ok := true
	for _, r := range runs {
		switch {
		case r.NotRun != "":
			mark := "not run"
			if requireRun {
				mark, ok = "NOT RUN", false
			}
			fmt.Fprintf(w, "%-8s %s: %s\n", mark, r.Label, r.NotRun)
		case r.OK:
			fmt.Fprintf(w, "%-8s %s (%s %s): %s\n", "ok", r.Label, r.SDK, r.SDKVersion, r.Verdict.Summary())
		default:
			ok = false
			fmt.Fprintf(w, "%-8s %s (%s %s): %s\n", "FAIL", r.Label, r.SDK, r.SDKVersion, r.Verdict.Summary())
			for _, j := range r.Verdict.UnexpectedFailures {
				fmt.Fprintf(w, "         unexpected failure: %s: %s\n", j.Scenario, shortMessage(j.Message))
			}
			for _, j := range r.Verdict.UnexpectedPasses {
				fmt.Fprintf(w, "         unexpected pass: %s (remove it from expectations/%s.yaml)\n", j.Scenario, r.SDK)
			}
		}
	}
	return ok
}

// Comment is a Markdown summary of runs for a pull-request comment, used
// where the run left no results/parity-comment.md. Its first line is a
// marker by which the workflow finds and updates its earlier comment.
func Comment(w io.Writer, runs []results.Run) {
	fmt.Fprintln(w, CommentMarker)
	verdict := "no unexpected result"
	for _, r := range runs {
		if !r.OK || r.NotRun != "" {
			verdict = "**unexpected results**: see below"
			break
		}
	}
	fmt.Fprintf(w, "### Bearer-token callback conformance: %s\n\n", verdict)
	fmt.Fprintln(w, "| build | SDK | gen | passed | expected failures | unexpected failures | unexpected passes | not applicable | observed |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
	for _, r := range runs {
		if r.NotRun != "" {
			fmt.Fprintf(w, "| `%s` | not run: %s | | | | | | | |\n", r.Label, cell(r.NotRun))
			continue
		}
		v := r.Verdict
		fmt.Fprintf(w, "| `%s` | %s %s | %d | %d | %d | %d | %d | %d | %d |\n", r.Label, r.SDK, r.SDKVersion, r.Generation,
			len(v.Passed), len(v.ExpectedFailures), len(v.UnexpectedFailures), len(v.UnexpectedPasses), len(v.NotApplicable), len(v.Observed))
	}
	for _, r := range runs {
		for _, j := range r.Verdict.UnexpectedFailures {
			fmt.Fprintf(w, "\n- `%s` unexpected failure: **%s**: %s", r.Label, j.Scenario, cell(shortMessage(j.Message)))
		}
		for _, j := range r.Verdict.UnexpectedPasses {
			fmt.Fprintf(w, "\n- `%s` unexpected pass: **%s** is listed in expectations/%s.yaml", r.Label, j.Scenario, r.SDK)
		}
		for _, j := range r.Verdict.ExpectedFailures {
			fmt.Fprintf(w, "\n- `%s` expected failure: %s (%s)", r.Label, j.Scenario, cell(shortMessage(j.Reason)))
		}
	}
	fmt.Fprintln(w, "\n\nThe full reports (junit.xml, cucumber.json, verdict.json, wire logs) are in the run's artifacts.")
}

// CommentMarker starts every comment the suite posts, so the workflow
// updates its own comment instead of adding one per push.
const CommentMarker = "<!-- bearer-token-conformance -->"

func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
