package contract

import (
	"fmt"
	"strings"
)

// The rule tables of README.md and CONTRACT.md sit between these markers,
// written by `make rule-tables` (WriteTables) and checked by a test.
const (
	BeginMarker = "<!-- rules: written by `make rule-tables` from features/; edit the features, not this table -->"
	EndMarker   = "<!-- end of rules -->"
)

// Tables renders the rules as Markdown: the contract's rules, then, apart,
// the tentative ones with why each is proposed.
func Tables(rules []Rule) string {
	var b, tentative strings.Builder
	b.WriteString("| rule | feature | what it requires |\n|------|---------|------------------|\n")
	for _, r := range rules {
		if r.Tentative {
			fmt.Fprintf(&tentative, "| %s | %s | **%s.** %s | %s |\n", r.ID, featureName(r), cell(r.Title), cell(r.OneLine()), cell(r.Why))
			continue
		}
		fmt.Fprintf(&b, "| %s | %s | **%s.** %s |\n", r.ID, featureName(r), cell(r.Title), cell(r.OneLine()))
	}
	if tentative.Len() > 0 {
		b.WriteString("\nTentative rules (tag `@tentative`): proposed by the suite, not stated by the SDKs' sources; run and reported apart.\n\n")
		b.WriteString("| rule | feature | what it proposes | why |\n|------|---------|------------------|-----|\n")
		b.WriteString(tentative.String())
	}
	return b.String()
}

// featureName is the feature file without its extension.
func featureName(r Rule) string { return strings.TrimSuffix(r.File, ".feature") }

func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// WithTables returns doc with the text between its markers replaced by the
// rule tables.
func WithTables(doc string, rules []Rule) (string, error) {
	begin, end, err := markers(doc)
	if err != nil {
		return "", err
	}
	return doc[:begin] + "\n" + Tables(rules) + doc[end:], nil
}

// TablesIn is what doc has between its markers, as Tables writes it.
func TablesIn(doc string) (string, error) {
	begin, end, err := markers(doc)
	if err != nil {
		return "", err
	}
	return strings.TrimPrefix(doc[begin:end], "\n"), nil
}

// markers finds the end of the begin marker and the start of the end one.
func markers(doc string) (begin, end int, err error) {
	begin = strings.Index(doc, BeginMarker)
	end = strings.Index(doc, EndMarker)
	if begin < 0 || end < begin {
		return 0, 0, fmt.Errorf("no %q ... %q markers, in that order", BeginMarker, EndMarker)
	}
	return begin + len(BeginMarker), end, nil
}
