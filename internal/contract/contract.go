// Package contract reads the rules of the bearer-token callback contract
// from the feature files, which are their one source: each rule is a
// Gherkin `Rule:` block whose name is "BT-n <title>", whose description is
// the rule's text, and whose scenarios check it. The dashboard, the rule
// tables of README.md and CONTRACT.md, and every report that names a rule
// read it from here, so editing a rule's text in its feature file is the
// only edit a rule change needs.
//
// A rule tagged @tentative on its Rule line is a rule the suite proposes
// rather than one the SDKs' own sources state; its description ends with a
// paragraph "Why: ..." that says in one line why it is proposed.
package contract

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"
)

// TentativeTag marks a Rule the suite proposes.
const TentativeTag = "@tentative"

// Rule is one rule of the contract.
type Rule struct {
	ID        string // "BT-4"
	Number    int    // 4
	Title     string // the rest of the Rule line
	Text      string // the description: paragraphs separated by a blank line, each on one line
	Why       string // tentative rules: why the suite proposes the rule
	Tentative bool
	Feature   string // the feature's name
	File      string // the feature file, relative to the features directory
	Scenarios []Scenario
}

// Tag is the scenario tag that cites the rule: "@BT-4".
func (r Rule) Tag() string { return "@" + r.ID }

// OneLine is the rule's text on one line, for tables.
func (r Rule) OneLine() string { return strings.ReplaceAll(r.Text, "\n\n", " ") }

// Scenario is a scenario (or scenario outline) of a rule, as written.
type Scenario struct {
	Name string
	Tags []string // the scenario's own tags
	Line int
}

var (
	ruleName = regexp.MustCompile(`^BT-([1-9][0-9]*) (\S.*)$`)
	ruleTag  = regexp.MustCompile(`^@BT-([0-9]+)$`)
)

// Load reads the rules from the .feature files under dir, subdirectories
// included (godog reads them too).
func Load(dir string) ([]Rule, error) {
	rules, err := LoadFS(os.DirFS(dir))
	if err != nil {
		return nil, fmt.Errorf("rules in %s: %w", dir, err)
	}
	return rules, nil
}

// LoadFS reads the rules from the .feature files of fsys, ordered by
// number. It fails, naming every problem it finds, when the features do not
// state the contract once and plainly: a scenario outside a Rule, a
// scenario that does not carry its Rule's tag or cites a rule that does not
// exist, a rule id used twice or skipped, a rule without a scenario, a
// tentative rule without its "Why:" paragraph, or two scenarios with the
// same name (expectations files and the dashboard name scenarios).
func LoadFS(fsys fs.FS) ([]Rule, error) {
	var files []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".feature") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, errors.New("no .feature files")
	}
	var (
		rules    []Rule
		problems []error
		pickles  = map[string]string{} // scenario name -> where
		byID     = map[string]string{} // rule id -> file
	)
	for _, file := range files {
		doc, err := parse(fsys, file)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		for _, p := range gherkin.Pickles(*doc, file, (&messages.Incrementing{}).NewId) {
			if other, dup := pickles[p.Name]; dup {
				problems = append(problems, fmt.Errorf("scenario name %q is used in %s and %s", p.Name, other, file))
			}
			pickles[p.Name] = file
		}
		if doc.Feature == nil {
			continue
		}
		for _, child := range doc.Feature.Children {
			switch {
			case child.Scenario != nil:
				problems = append(problems, fmt.Errorf("%s:%d: scenario %q is outside a Rule", file, child.Scenario.Location.Line, child.Scenario.Name))
			case child.Rule != nil:
				r, errs := rule(child.Rule, doc.Feature.Name, file)
				problems = append(problems, errs...)
				if r.ID == "" {
					continue
				}
				if other, dup := byID[r.ID]; dup {
					problems = append(problems, fmt.Errorf("%s:%d: rule %s is also stated in %s", file, child.Rule.Location.Line, r.ID, other))
					continue
				}
				byID[r.ID] = file
				rules = append(rules, r)
			}
		}
	}
	sort.Slice(rules, func(a, b int) bool { return rules[a].Number < rules[b].Number })
	for i, r := range rules {
		if r.Number != i+1 {
			problems = append(problems, fmt.Errorf("rule BT-%d is missing: rules are numbered BT-1 to BT-%d without a gap", i+1, len(rules)))
			break
		}
	}
	// A scenario may cite further rules beside its own (a turn checks
	// BT-15 and BT-4 at once); each must exist.
	for _, r := range rules {
		for _, sc := range r.Scenarios {
			for _, tag := range sc.Tags {
				if ruleTag.MatchString(tag) && byID[tag[1:]] == "" {
					problems = append(problems, fmt.Errorf("%s:%d: scenario %q cites %s, which no Rule states", r.File, sc.Line, sc.Name, tag))
				}
			}
		}
	}
	if err := errors.Join(problems...); err != nil {
		return nil, err
	}
	return rules, nil
}

func parse(fsys fs.FS, file string) (*messages.GherkinDocument, error) {
	f, err := fsys.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := gherkin.ParseGherkinDocument(f, (&messages.Incrementing{}).NewId)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return doc, nil
}

// rule reads one Rule block; the rule has no ID when its name is not
// "BT-n title".
func rule(g *messages.Rule, feature, file string) (Rule, []error) {
	var problems []error
	at := fmt.Sprintf("%s:%d", file, g.Location.Line)
	m := ruleName.FindStringSubmatch(strings.TrimSpace(g.Name))
	if m == nil {
		return Rule{}, []error{fmt.Errorf("%s: Rule %q is not named \"BT-<n> <title>\"", at, g.Name)}
	}
	n, _ := strconv.Atoi(m[1])
	r := Rule{ID: "BT-" + m[1], Number: n, Title: m[2], Feature: feature, File: path.Clean(file)}
	for _, t := range g.Tags {
		switch {
		case t.Name == TentativeTag:
			r.Tentative = true
		case ruleTag.MatchString(t.Name):
			problems = append(problems, fmt.Errorf("%s: rule %s has the rule tag %s on its Rule line; scenarios carry it", at, r.ID, t.Name))
		}
	}
	paragraphs := paragraphs(g.Description)
	if last := len(paragraphs) - 1; last >= 0 && strings.HasPrefix(paragraphs[last], "Why: ") {
		r.Why = strings.TrimPrefix(paragraphs[last], "Why: ")
		paragraphs = paragraphs[:last]
	}
	r.Text = strings.Join(paragraphs, "\n\n")
	if r.Text == "" {
		problems = append(problems, fmt.Errorf("%s: rule %s has no text: the Rule's description states it", at, r.ID))
	}
	if r.Tentative && r.Why == "" {
		problems = append(problems, fmt.Errorf("%s: tentative rule %s does not end with a paragraph \"Why: ...\"", at, r.ID))
	}
	if !r.Tentative && r.Why != "" {
		problems = append(problems, fmt.Errorf("%s: rule %s has a \"Why:\" paragraph but no %s tag", at, r.ID, TentativeTag))
	}
	for _, child := range g.Children {
		sc := child.Scenario
		if sc == nil {
			continue
		}
		s := Scenario{Name: sc.Name, Line: int(sc.Location.Line)}
		cites := false
		for _, t := range sc.Tags {
			s.Tags = append(s.Tags, t.Name)
			cites = cites || t.Name == r.Tag()
		}
		if !cites {
			problems = append(problems, fmt.Errorf("%s:%d: scenario %q is under rule %s but is not tagged %s", file, s.Line, s.Name, r.ID, r.Tag()))
		}
		r.Scenarios = append(r.Scenarios, s)
	}
	if len(r.Scenarios) == 0 {
		problems = append(problems, fmt.Errorf("%s: rule %s has no scenario", at, r.ID))
	}
	return r, problems
}

// paragraphs splits a Gherkin description into paragraphs, each joined
// onto one line.
func paragraphs(description string) []string {
	var out []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.Join(cur, " "))
			cur = nil
		}
	}
	for _, line := range strings.Split(description, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			flush()
			continue
		}
		cur = append(cur, line)
	}
	flush()
	return out
}

// ByID finds a rule.
func ByID(rules []Rule, id string) (Rule, bool) {
	for _, r := range rules {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}
