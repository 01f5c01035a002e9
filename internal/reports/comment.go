package reports

import (
	"fmt"
	"io"
	"strings"

	"conformance/internal/contract"
	"conformance/internal/dashboard"
	"conformance/internal/expectations"
	"conformance/internal/results"
)

// CommentMarker starts every comment the suite posts, so the workflow
// updates its own comment instead of adding one per push.
const CommentMarker = "<!-- bearer-token-conformance -->"

// CommentInput is what a pull request's comment says.
type CommentInput struct {
	Runs []dashboard.LoadedRun // this build's runs
	// Diffs are the runs' expectations.diff files, by label.
	Diffs map[string]string
	// Compare is a parity.json of the suite's scheduled run (the other
	// SDKs' latest results), and where it came from; nil: nothing to
	// compare with.
	Compare     *dashboard.Parity
	CompareFrom string
	Rules       []contract.Rule // the features' rules, for the comparison
}

// Comment writes the Markdown of a pull-request comment: the build's row
// per configuration, what did not run and why, each improvement with the
// change to make to the expectations, the unexpected results, and the
// build beside the other SDKs' latest results (Compare merged with this
// build's runs, as make dashboard RESULTS=a,b merges). It is cut to
// dashboard.CommentLimit bytes, GitHub's limit, with a note saying so.
func Comment(w io.Writer, in CommentInput) error {
	var b strings.Builder
	fmt.Fprintln(&b, CommentMarker)
	runs := make([]results.Run, len(in.Runs))
	for i, r := range in.Runs {
		runs[i] = r.Run
	}
	verdict, improvements := "no unexpected result", 0
	for _, r := range runs {
		improvements += len(r.Verdict.Improvements)
		if !r.OK || r.DidNotRun() != "" {
			verdict = "**unexpected results or configurations that did not run**: see below"
		}
	}
	if improvements > 0 && !strings.HasPrefix(verdict, "**") {
		verdict += fmt.Sprintf(", %d improvement(s): a known failure no longer happens", improvements)
	}
	fmt.Fprintf(&b, "### Bearer-token callback conformance: %s\n\n", verdict)
	if len(runs) > 0 && runs[0].Suite.Version != "" {
		s := runs[0].Suite
		fmt.Fprintf(&b, "Suite %s (commit %.12s, rules %s, %s).\n\n", s.Version, s.Commit, strings.Join(s.Rules.IDs, " "), shortDigest(s.Rules.Digest))
	}
	fmt.Fprintln(&b, "| build | status | SDK | gen | passed | expected failures | unexpected failures | unexpected passes | not applicable | observed |")
	fmt.Fprintln(&b, "|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range runs {
		if why := r.DidNotRun(); why != "" {
			fmt.Fprintf(&b, "| `%s` | **did not run** | %s | | | | | | | |\n", r.Label, cell(gist(why)))
			continue
		}
		v := r.Verdict
		fmt.Fprintf(&b, "| `%s` | %s | %s %s | %d | %d | %d | %d | %d | %d | %d |\n", r.Label, r.StatusOf(), r.SDK, r.SDKVersion, r.Generation,
			len(v.Passed), len(v.ExpectedFailures), len(v.UnexpectedFailures), len(v.UnexpectedPasses), len(v.NotApplicable), len(v.Observed))
	}
	for _, r := range runs {
		if r.Error != nil {
			fmt.Fprintf(&b, "\n- `%s` **did not run**: %s: %s", r.Label, r.Error.Step, cell(gist(r.Error.Message)))
		}
		for _, j := range r.Verdict.UnexpectedFailures {
			fmt.Fprintf(&b, "\n- `%s` unexpected failure: %s **%s**: %s", r.Label, ruleTags(j.Tags), j.Scenario, cell(shortMessage(j.Message)))
		}
		if r.Improvements != results.ImprovementsNotice {
			for _, j := range r.Verdict.UnexpectedPasses {
				fmt.Fprintf(&b, "\n- `%s` unexpected pass: **%s** is listed in expectations/%s.yaml", r.Label, j.Scenario, r.SDK)
			}
		}
		for _, j := range r.Verdict.ExpectedFailures {
			fmt.Fprintf(&b, "\n- `%s` expected failure: %s (%s)", r.Label, j.Scenario, cell(shortMessage(j.Reason)))
		}
	}
	b.WriteString("\n")
	for _, r := range runs {
		if len(r.Verdict.Improvements) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n#### Improvement in `%s`\n\n", r.Label)
		for _, k := range r.Verdict.Improvements {
			fmt.Fprintf(&b, "- **%s** passes: expectations/%s.yaml lists it as a known failure in versions `%s` (%s)\n",
				k.Scenario, r.SDK, k.Versions.Written(), cell(shortMessage(k.Reason)))
		}
		if d := in.Diffs[r.Label]; d != "" {
			fmt.Fprintf(&b, "\nThe change to make to the suite's expectations (also in the artifact, %s/%s):\n\n```diff\n%s```\n", r.Label, r.ExpectationsDiff, d)
		}
	}
	b.WriteString("\n")
	if in.Compare == nil {
		b.WriteString("\nNothing to compare with: no parity.json of the suite's scheduled run was given (the workflow's `compare-parity` input).\n")
	} else {
		fmt.Fprintf(&b, "\n### Beside the other SDKs' latest results (%s)\n\n", in.CompareFrom)
		merged := MergeParity(*in.Compare, dashboard.Build(in.Rules, dashboard.Input{Runs: improvementsAsPasses(in.Runs)}, "", ""))
		var m strings.Builder
		if err := merged.Comment(&m); err != nil {
			return err
		}
		b.WriteString(strings.TrimPrefix(m.String(), "## Bearer-token callback parity\n\n"))
	}
	b.WriteString("\nThe full reports (junit.xml, cucumber.json, verdict.json, wire logs) are in the run's artifacts.\n")
	_, err := io.WriteString(w, clipComment(b.String(), dashboard.CommentLimit))
	return err
}

// improvementsAsPasses returns the runs with, for a run that allowed
// improvements (IMPROVEMENTS=notice), each improved scenario's pass as a
// plain pass: in the comparison it is what the build does, and the
// comment's improvement section says what to change in the expectations.
func improvementsAsPasses(runs []dashboard.LoadedRun) []dashboard.LoadedRun {
	out := make([]dashboard.LoadedRun, len(runs))
	for i, r := range runs {
		out[i] = r
		if r.Improvements != results.ImprovementsNotice || len(r.Verdict.Improvements) == 0 {
			continue
		}
		improved := map[string]bool{}
		for _, k := range r.Verdict.Improvements {
			improved[k.Scenario] = true
		}
		v := r.Verdict
		v.Passed = append([]expectations.Judged(nil), v.Passed...)
		v.UnexpectedPasses = nil
		for _, j := range r.Verdict.UnexpectedPasses {
			if improved[j.Scenario] {
				j.Expected = false
				v.Passed = append(v.Passed, j)
			} else {
				v.UnexpectedPasses = append(v.UnexpectedPasses, j)
			}
		}
		out[i].Verdict = v
	}
	return out
}

// clipComment cuts a comment to limit bytes, on a line boundary, with a
// note saying it was cut.
func clipComment(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	note := "\n\n… cut here: the comment would exceed GitHub's 65,536-character limit. The whole summary is in the job summary and the run's artifacts.\n"
	cut := s[:limit-len(note)]
	if i := strings.LastIndexByte(cut, '\n'); i > 0 {
		cut = cut[:i]
	}
	if strings.Count(cut, "```")%2 == 1 {
		cut += "\n```"
	}
	return cut + note
}

// MergeParity puts the build's columns (pr) beside those of a parity.json
// (base), rule by rule, as the dashboard merges result folders: a rule
// only one side has gets "not run" cells on the other.
func MergeParity(base, pr dashboard.Parity) dashboard.Parity {
	// The build's parity has a column for every SDK, empty but its own:
	// only those with runs go beside the others.
	var keep []int
	for i, c := range pr.Columns {
		if len(c.Runs) > 0 {
			keep = append(keep, i)
		}
	}
	pick := func(cells []dashboard.Cell) []dashboard.Cell {
		var out []dashboard.Cell
		for _, i := range keep {
			if i < len(cells) {
				out = append(out, cells[i])
			}
		}
		return out
	}
	var cols []dashboard.Column
	for _, i := range keep {
		cols = append(cols, pr.Columns[i])
	}
	pr.Columns = cols
	rules := make([]dashboard.Rule, len(pr.Rules))
	for i, r := range pr.Rules {
		r.Cells = pick(r.Cells)
		rules[i] = r
	}
	pr.Rules = rules
	out := base
	out.Runs = append(append([]dashboard.Run(nil), base.Runs...), pr.Runs...)
	ids := map[string]bool{}
	for _, c := range base.Columns {
		ids[c.ID] = true
	}
	out.Columns = append([]dashboard.Column(nil), base.Columns...)
	for _, c := range pr.Columns {
		for ids[c.ID] {
			c.ID += "-pr"
		}
		ids[c.ID] = true
		out.Columns = append(out.Columns, c)
	}
	notRun := func(cols []dashboard.Column) []dashboard.Cell {
		cells := make([]dashboard.Cell, len(cols))
		for i, c := range cols {
			cells[i] = dashboard.Cell{Column: c.ID, State: dashboard.NotRun, Reason: "not in these results"}
		}
		return cells
	}
	prRules := map[string]dashboard.Rule{}
	for _, r := range pr.Rules {
		prRules[r.ID] = r
	}
	out.Rules = nil
	seen := map[string]bool{}
	for _, r := range base.Rules {
		seen[r.ID] = true
		row := r
		row.Cells = append([]dashboard.Cell(nil), r.Cells...)
		if p, ok := prRules[r.ID]; ok {
			row.Cells = append(row.Cells, p.Cells...)
		} else {
			row.Cells = append(row.Cells, notRun(pr.Columns)...)
		}
		out.Rules = append(out.Rules, row)
	}
	for _, p := range pr.Rules {
		if !seen[p.ID] {
			row := p
			row.Cells = append(notRun(base.Columns), p.Cells...)
			out.Rules = append(out.Rules, row)
		}
	}
	return out
}

func shortDigest(d string) string {
	if len(d) > 19 {
		return d[:19]
	}
	return d
}

func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
