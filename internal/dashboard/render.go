package dashboard

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"
)

//go:embed page.html.tmpl
var templates embed.FS

var page = template.Must(template.New("page.html.tmpl").Funcs(template.FuncMap{
	"ms":   func(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) },
	"code": codeSpans,
	"inc":  func(n int) int { return n + 1 },
}).ParseFS(templates, "page.html.tmpl"))

// codeSpans renders the rule texts' `backtick` spans as <code>, escaping
// everything else.
func codeSpans(s string) template.HTML {
	var b strings.Builder
	for i, part := range strings.Split(s, "`") {
		if i%2 == 1 {
			b.WriteString("<code>" + template.HTMLEscapeString(part) + "</code>")
		} else {
			b.WriteString(template.HTMLEscapeString(part))
		}
	}
	return template.HTML(b.String())
}

// HTML writes the page: one file, inline CSS, no script, no external link.
func (p Page) HTML(w io.Writer) error { return page.Execute(w, p) }

// Markdown writes the matrix as a Markdown table, one row per scenario,
// under a row per rule.
func (p Page) Markdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Bearer-token callback parity\n\nGenerated %s · suite %s · runtime %s\n\n", p.Generated, p.SuiteVersion, p.RuntimeVersions)
	b.WriteString("| rule / scenario |")
	for _, c := range p.Columns {
		fmt.Fprintf(&b, " %s<br>%s |", c.Title, c.Subtitle)
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(p.Columns)))
	notRun := false
	for _, c := range p.Columns {
		notRun = notRun || c.NotRun != ""
	}
	if notRun {
		b.WriteString("\n| *not run here* |")
		for _, c := range p.Columns {
			fmt.Fprintf(&b, " %s |", mdEscape(c.NotRun))
		}
	}
	b.WriteString("\n")
	for _, s := range p.Sections {
		if s.StartsTentative {
			fmt.Fprintf(&b, "| ***Tentative rules: proposed by the suite, not stated by the SDKs' sources*** |%s\n", strings.Repeat(" |", len(p.Columns)))
		}
		text := s.OneLine()
		if s.Tentative {
			text = "*(tentative)* " + text + " Why proposed: " + s.Why
		}
		fmt.Fprintf(&b, "| **%s %s** %s |", s.ID, mdEscape(s.Title), mdEscape(text))
		for _, t := range s.Totals {
			fmt.Fprintf(&b, " **%s** |", t)
		}
		b.WriteString("\n")
		for _, row := range s.Scenarios {
			fmt.Fprintf(&b, "| %s |", mdEscape(row.Name))
			for _, c := range row.Cells {
				text := c.Label
				if c.Detail != "" {
					text += ": " + c.Detail
				}
				for _, v := range c.Values {
					text += fmt.Sprintf("<br>%s = `%s`", v.Name, v.Value)
				}
				fmt.Fprintf(&b, " %s |", mdEscape(text))
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("\nReproduce a column:\n\n")
	for _, c := range p.Columns {
		fmt.Fprintf(&b, "- %s (%s): `%s`\n", c.Title, c.Subtitle, c.Reproduce)
	}
	if p.Bench != nil {
		fmt.Fprintf(&b, "\n## getToken round trip (ms, n=%d, %s)\n\n| client | transport | mode | p50 | p90 | p99 |\n|---|---|---|---|---|---|\n", p.Bench.N, p.Bench.Runtime)
		for _, r := range p.Bench.Results {
			fmt.Fprintf(&b, "| %s | %s | %s | %.2f | %.2f | %.2f |\n", r.Client, r.Transport, r.Mode,
				float64(r.Stats.P50.Microseconds())/1000, float64(r.Stats.P90.Microseconds())/1000, float64(r.Stats.P99.Microseconds())/1000)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdEscape(s string) string {
	s = strings.ReplaceAll(s, "|", "\\|")
	return strings.ReplaceAll(s, "\n", " ")
}
