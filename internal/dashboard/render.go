package dashboard

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"conformance/internal/matrix"
)

//go:embed page.html.tmpl
var templates embed.FS

var labels = map[string]string{
	Passes: "✓ passes", FailsExpected: "✗ known failure", FailsUnexpected: "✗ FAILS (unexpected)",
	PassesUnexpectedly: "! passes, listed as known failure", Observed: "observed", NotApplicable: "not applicable", NotRun: "not run here",
}

// Label is a state in words, as the page and the comment show it.
func Label(state string) string {
	if l, ok := labels[state]; ok {
		return l
	}
	return state
}

var page = template.Must(template.New("page.html.tmpl").Funcs(template.FuncMap{
	"ms":    func(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) },
	"code":  codeSpans,
	"inc":   func(n int) int { return n + 1 },
	"minus": func(b, a int) int { return a - b },
	"label": Label,
	"short": func(commit string) string {
		if len(commit) > 12 {
			return commit[:12]
		}
		return commit
	},
	"startsTentative": func(rules []Rule, i int) bool {
		return rules[i].Tentative && (i == 0 || !rules[i-1].Tentative)
	},
	"column": func(p Parity, id string) Column {
		for _, c := range p.Columns {
			if c.ID == id {
				return c
			}
		}
		return Column{}
	},
	"changeAt": func(m matrix.Matrix, rule string, c matrix.Cell) *matrix.Change {
		for _, ch := range m.Changes {
			if ch.Rule == rule && ch.To == c.Version && ch.Runtime == c.Runtime {
				ch := ch
				return &ch
			}
		}
		return nil
	},
	"outcomeClass": func(o matrix.Outcome) string {
		return map[matrix.Outcome]string{matrix.Pass: Passes, matrix.Fail: "fails", matrix.NotApplicable: NotApplicable, matrix.Observed: Observed}[o]
	},
	"outcomeMark": outcomeMark,
	"firstPass": func(m matrix.Matrix, rule string) string {
		if v := m.FirstPass[rule]; v != "" {
			return v
		}
		return "–"
	},
}).ParseFS(templates, "page.html.tmpl"))

func outcomeMark(o matrix.Outcome) string {
	switch o {
	case matrix.Pass:
		return "✓"
	case matrix.Fail:
		return "✗"
	case matrix.NotApplicable:
		return "n/a"
	case matrix.Observed:
		return "o"
	}
	return "–"
}

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

// HTML writes the page: one file, inline CSS, no script, no external
// link; a cell's link opens its drill-down panel by CSS :target.
func (p Parity) HTML(w io.Writer) error { return page.Execute(w, p) }

// JSON writes the dashboard's data (schemas/parity.schema.json).
func (p Parity) JSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(p)
}

// Validate checks a parity.json against the schema file
// (schemas/parity.schema.json), naming what does not conform.
func Validate(schemaPath string, parityJSON []byte) error {
	schema, err := jsonschema.NewCompiler().Compile(schemaPath)
	if err != nil {
		return fmt.Errorf("schema %s: %w", schemaPath, err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(parityJSON))
	if err != nil {
		return fmt.Errorf("parity.json: %w", err)
	}
	if err := schema.Validate(doc); err != nil {
		return fmt.Errorf("parity.json does not conform to %s: %w", schemaPath, err)
	}
	return nil
}
