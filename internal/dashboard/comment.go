package dashboard

import (
	"fmt"
	"io"
	"strings"
)

// CommentLimit bounds the pull-request comment: GitHub refuses a comment
// over 65,536 characters; bytes count at least as many.
const CommentLimit = 65000

// The matrix takes at most matrixBudget bytes and maxColumns columns
// (wider is unreadable in a comment); further columns are named and left
// to the dashboard.
const (
	matrixBudget = 30000
	maxColumns   = 16
)

var marks = map[string]string{
	Passes: "✅", FailsExpected: "⚠️ known", FailsUnexpected: "❌ **FAILS**", PassesUnexpectedly: "❗ stale",
	Observed: "👁", NotApplicable: "n/a", NotRun: "—",
}

// Comment writes the pull-request comment: the matrix, then the
// unexpected results with their evidence, nothing else, within
// CommentLimit bytes however many runs there are.
func (p Parity) Comment(w io.Writer) error {
	var b strings.Builder
	b.WriteString("## Bearer-token callback parity\n\n")
	b.WriteString("✅ passes · ⚠️ known failure · ❌ unexpected failure · ❗ passes but listed as a known failure · 👁 observed · n/a not applicable · — not run here. " +
		"Configurations: f/r fake or real runtime, t/s tcp or stdio, l/c local or container.\n\n")
	cols := min(len(p.Columns), maxColumns)
	table := p.commentMatrix(cols)
	for cols > 1 && len(table) > matrixBudget {
		cols = cols * 3 / 4
		table = p.commentMatrix(cols)
	}
	b.WriteString(table)
	if cols < len(p.Columns) {
		var rest []string
		for _, c := range p.Columns[cols:] {
			rest = append(rest, c.Title())
		}
		fmt.Fprintf(&b, "\n%d more columns in the dashboard: %s\n", len(rest), clip(strings.Join(rest, ", "), 2000))
	}
	var notRun []string
	for _, c := range p.Columns {
		if c.NotRun != "" {
			notRun = append(notRun, fmt.Sprintf("%s: %s", c.Title(), c.NotRun))
		}
	}
	if len(notRun) > 0 {
		b.WriteString("\nNot run here: " + clip(mdCell(strings.Join(notRun, "; ")), 3000) + "\n")
	}

	b.WriteString(p.commentSoak())
	b.WriteString(p.commentNext())

	var items []string
	for _, r := range p.Rules {
		for i, c := range r.Cells {
			for _, s := range c.Scenarios {
				for _, res := range s.Results {
					if res.State != FailsUnexpected && res.State != PassesUnexpectedly {
						continue
					}
					items = append(items, evidence(p.Columns[i], r, s, res))
				}
			}
		}
	}
	if len(items) == 0 {
		b.WriteString("\nNo unexpected results.\n")
	} else {
		fmt.Fprintf(&b, "\n### Unexpected results (%d)\n\n", len(items))
		for i, it := range items {
			more := fmt.Sprintf("\n… and %d more unexpected results: see dashboard.html or parity.json.\n", len(items)-i)
			if b.Len()+len(it)+len(more) > CommentLimit {
				b.WriteString(more)
				break
			}
			b.WriteString(it)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (p Parity) commentMatrix(cols int) string {
	var b strings.Builder
	b.WriteString("| rule |")
	for _, c := range p.Columns[:cols] {
		head := c.Title()
		if c.Generation != 0 {
			head += fmt.Sprintf(" g%d", c.Generation)
		}
		if c.Mutation != nil {
			head += fmt.Sprintf(" (mutants %d/%d)", c.Mutation.Caught, c.Mutation.Total)
		}
		fmt.Fprintf(&b, " %s |", mdCell(head))
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", cols) + "\n")
	for _, r := range p.Rules {
		title := r.ID + " " + r.Title
		if r.Tentative {
			title = "*(tentative)* " + title
		}
		fmt.Fprintf(&b, "| %s |", mdCell(clip(title, 80)))
		for _, c := range r.Cells[:cols] {
			text := marks[c.State]
			if c.Differ() {
				var parts []string
				for _, x := range c.Marks() {
					parts = append(parts, x.Config+" "+marks[x.State])
				}
				text += " (" + strings.Join(parts, ", ") + ")"
			}
			if c.Flaky > 0 {
				text += " · flaky"
			}
			fmt.Fprintf(&b, " %s |", text)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// soakBudget bounds the comment's soak lines; past it they are counted.
const soakBudget = 12000

// commentSoak is the soak's line and one line per flaky scenario: where
// (build, rules), how its runs ended and its first failure message.
func (p Parity) commentSoak() string {
	if p.Soak == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n" + mdCell(p.Soak.Line()) + "\n")
	if len(p.Soak.Flaky) > 0 {
		b.WriteString("\n")
	}
	for i, f := range p.Soak.Flaky {
		where := "no run of this build on the dashboard"
		if len(f.Rules) > 0 {
			where = strings.Join(f.Rules, ", ")
		}
		line := fmt.Sprintf("- flaky: **%s** · %s · %s: %s", mdCell(f.Build), where, mdCell(clip(f.Scenario, 200)), f.Counts())
		if msg := f.FirstFailure(); msg != "" {
			line += "; first failure: `" + strings.ReplaceAll(mdCell(clip(msg, 300)), "`", "'") + "`"
		}
		line += "\n"
		if b.Len()+len(line) > soakBudget {
			fmt.Fprintf(&b, "- … and %d more flaky scenarios: see dashboard.html or parity.json.\n", len(p.Soak.Flaky)-i)
			break
		}
		b.WriteString(line)
	}
	return b.String()
}

// evidence is one unexpected result: where, the message, the wire frames
// and the command that reproduces it.
func evidence(col Column, r Rule, s Scenario, res Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "- **%s · %s** %s (%s, `%s`): %s\n", mdCell(col.Title()), r.ID, mdCell(clip(s.Name, 200)), res.Run, res.Config, Label(res.State))
	if res.Reason != "" {
		fmt.Fprintf(&b, "  listed as a known failure: %s\n", mdCell(clip(res.Reason, 300)))
	}
	if res.Step != "" {
		fmt.Fprintf(&b, "  failed at step: %s\n", mdCell(clip(res.Step, 200)))
	}
	if res.Note != "" {
		fmt.Fprintf(&b, "  note: %s\n", mdCell(clip(res.Note, 400)))
	}
	if res.Message != "" || len(res.Frames) > 0 {
		b.WriteString("  ```\n")
		if res.Message != "" {
			b.WriteString("  " + strings.ReplaceAll(unfence(clip(res.Message, 800)), "\n", "\n  ") + "\n")
		}
		for _, f := range res.Frames {
			b.WriteString("  " + unfence(f) + "\n")
		}
		b.WriteString("  ```\n")
	}
	fmt.Fprintf(&b, "  reproduce: `%s`\n", res.Reproduce)
	return b.String()
}

func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", "\\|")
	return strings.ReplaceAll(s, "\n", " ")
}

// clip shortens s to at most n bytes without cutting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && (s[n]&0xC0) == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// unfence keeps a message from closing its code block.
func unfence(s string) string { return strings.ReplaceAll(s, "```", "'''") }
