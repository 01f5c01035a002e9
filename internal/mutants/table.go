// Package mutants checks that the suite tells a broken SDK from a good one.
// A mutant is a copy of an SDK's pinned release with one small edit that
// breaks one rule of the contract; the suite runs the features of that
// rule against the copy (SDK_SOURCE) and must fail at least one scenario
// that the unpatched copy passes. The mutants of each SDK are data, in
// mutants/<sdk>.yaml, one entry each.
package mutants

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Set is mutants/<sdk>.yaml: the mutants of one SDK's pinned release.
type Set struct {
	SDK string `yaml:"sdk"`
	// Version is the release the edits are written against. The unpatched
	// copy is judged with that version's known failures (expectations/),
	// since a copy may not know its own version (go says "(devel)").
	Version string   `yaml:"version"`
	Mutants []Mutant `yaml:"mutants"`
}

// Mutant is one way to break one rule.
type Mutant struct {
	Name string `yaml:"name"` // what the broken SDK does, e.g. "drops the flag"
	Rule string `yaml:"rule"` // the tag whose scenarios must catch it, e.g. "@BT-1"
	Edit `yaml:",inline"`
	// Also holds further edits, for a break that needs more than one.
	Also []Edit `yaml:"also,omitempty"`
}

// Edit replaces text in one file of the SDK's source.
type Edit struct {
	// File is relative to the root of the copied SDK source (see Source).
	File string `yaml:"file"`
	// Old must occur in the file; every occurrence is replaced. Runs of
	// white space match any white space, so that a table written with
	// spaces matches a file indented with tabs.
	Old string `yaml:"old"`
	// New is inserted as written (where indentation matters, as in Python,
	// lines after the first carry the file's absolute indentation).
	New string `yaml:"new"`
}

// Edits lists the mutant's edits, the main one first.
func (m Mutant) Edits() []Edit { return append([]Edit{m.Edit}, m.Also...) }

var ruleTag = regexp.MustCompile(`^@BT-[0-9]+$`)

// Load reads dir/<sdk>.yaml.
func Load(dir, sdk string) (Set, error) {
	path := filepath.Join(dir, sdk+".yaml")
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return Set{}, fmt.Errorf("no mutants for %s: %s does not exist", sdk, path)
	}
	if err != nil {
		return Set{}, err
	}
	defer f.Close()
	var s Set
	dec := yaml.NewDecoder(f)
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil && !errors.Is(err, io.EOF) {
		return Set{}, fmt.Errorf("%s: %w", path, err)
	}
	if err := s.validate(sdk); err != nil {
		return Set{}, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

func (s Set) validate(sdk string) error {
	switch {
	case s.SDK != sdk:
		return fmt.Errorf("sdk is %q, want %q", s.SDK, sdk)
	case s.Version == "":
		return errors.New("no version: say which release the edits are written against")
	case len(s.Mutants) == 0:
		return errors.New("no mutants")
	}
	seen := map[string]bool{}
	for i, m := range s.Mutants {
		switch {
		case strings.TrimSpace(m.Name) == "":
			return fmt.Errorf("mutants[%d] has no name", i)
		case seen[m.Name]:
			return fmt.Errorf("mutant %q is listed twice", m.Name)
		case !ruleTag.MatchString(m.Rule):
			return fmt.Errorf("mutant %q: rule %q is not a rule tag such as @BT-4", m.Name, m.Rule)
		}
		seen[m.Name] = true
		for _, e := range m.Edits() {
			switch {
			case e.File == "" || filepath.IsAbs(e.File) || strings.HasPrefix(filepath.Clean(e.File), ".."):
				return fmt.Errorf("mutant %q: file %q is not a path inside the SDK source", m.Name, e.File)
			case strings.TrimSpace(e.Old) == "":
				return fmt.Errorf("mutant %q: an edit of %s has no old text", m.Name, e.File)
			case e.Old == e.New:
				return fmt.Errorf("mutant %q: an edit of %s changes nothing", m.Name, e.File)
			}
		}
	}
	return nil
}

// Rules lists the rule tags of the set's mutants, in order of appearance,
// once each.
func (s Set) Rules() []string {
	var rules []string
	seen := map[string]bool{}
	for _, m := range s.Mutants {
		if !seen[m.Rule] {
			seen[m.Rule] = true
			rules = append(rules, m.Rule)
		}
	}
	return rules
}

// oldPattern matches an edit's old text with any run of white space
// standing for any other.
func oldPattern(old string) *regexp.Regexp {
	fields := strings.Fields(old)
	for i, f := range fields {
		fields[i] = regexp.QuoteMeta(f)
	}
	return regexp.MustCompile(strings.Join(fields, `\s+`))
}

// Apply makes the mutant's edits in the SDK source at root and returns a
// function that puts the files back as they were. An edit whose old text
// does not occur is an error naming the file: the SDK changed and the
// table needs updating. On error nothing stays changed.
func Apply(root string, m Mutant) (restore func() error, err error) {
	originals := map[string][]byte{}
	var order []string
	restore = func() error {
		var errs []error
		for i := len(order) - 1; i >= 0; i-- {
			errs = append(errs, os.WriteFile(order[i], originals[order[i]], 0o644))
		}
		return errors.Join(errs...)
	}
	for _, e := range m.Edits() {
		path := filepath.Join(root, e.File)
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("mutant %q: %w", m.Name, err), restore())
		}
		if _, ok := originals[path]; !ok {
			originals[path] = src
			order = append(order, path)
		}
		re := oldPattern(e.Old)
		if !re.Match(src) {
			return nil, errors.Join(fmt.Errorf("mutant %q: %s has no %q: the SDK changed, update mutants/ for it", m.Name, e.File, e.Old), restore())
		}
		// A literal replacement: New may contain $ (Go templates, shell).
		out := re.ReplaceAllLiteral(src, []byte(e.New))
		if err := os.WriteFile(path, out, 0o644); err != nil {
			return nil, errors.Join(err, restore())
		}
	}
	return restore, nil
}

// isFor says whether the set fits a requested release (SDK=<sdk>@<version>;
// empty: the set's own): a mutant's edits are text of one release, so a
// set is run on that release only.
func (s Set) isFor(version string) error {
	if version == "" || strings.TrimPrefix(version, "v") == strings.TrimPrefix(s.Version, "v") {
		return nil
	}
	return fmt.Errorf("%s@%s: mutants/%s.yaml's edits are written against %s %s, so its mutants run on that release only (SDK=%s or %s@%s)",
		s.SDK, version, s.SDK, s.SDK, s.Version, s.SDK, s.SDK, s.Version)
}
