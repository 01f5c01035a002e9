package matrix

import (
	"context"
	"fmt"
	"sort"

	"conformance/internal/versions"
)

// Bisection is where a rule's outcome changed across the versions.
type Bisection struct {
	Rule string `json:"rule"`
	// Old and New are the two neighbouring versions whose outcomes differ
	// (New has the newest version's outcome); Old is nil when every
	// version probed had the newest version's outcome.
	Old, New *Cell
	Runs     int      `json:"runs"` // how many versions were run
	Skipped  []string `json:"skipped,omitempty"`
}

// Bisect finds, among vs (oldest first, all with the callback), the
// oldest version from which on the rule's outcome is the newest version's,
// assuming the outcome changed once. It runs the newest version, then
// halves the range: at most ceil(log2(n))+1 runs for n versions. A version
// that cannot run here is dropped from the range and the search goes on
// (each such run counts).
func Bisect(ctx context.Context, vs []versions.Version, rule string, run Runner, tags string) (Bisection, error) {
	b := Bisection{Rule: rule}
	probe := func(i int) (*Cell, error) {
		b.Runs++
		c, err := run(ctx, vs[i], "", tags)
		if err != nil {
			return nil, err
		}
		return &c, nil
	}
	for len(vs) > 0 {
		c, err := probe(len(vs) - 1)
		if err != nil {
			return b, err
		}
		if o := c.Outcome(rule); o == Pass || o == Fail {
			b.New = c
			break
		}
		b.Skipped = append(b.Skipped, fmt.Sprintf("%s (%s)", vs[len(vs)-1].Version, why(*c, rule)))
		vs = vs[:len(vs)-1]
	}
	if b.New == nil {
		return b, fmt.Errorf("%s: no version ran the rule's scenarios", rule)
	}
	want := b.New.Outcome(rule)
	// Invariant: vs[hi] has the newest outcome; the change, if any, is
	// between some vs[i-1] and vs[i] with lo <= i <= hi.
	lo, hi := 0, len(vs)-1
	for lo < hi {
		mid := (lo + hi) / 2
		c, err := probe(mid)
		if err != nil {
			return b, err
		}
		switch o := c.Outcome(rule); {
		case o == want:
			hi, b.New = mid, c
		case o == Pass || o == Fail:
			lo, b.Old = mid+1, c
		default: // could not run: drop it and search the same range
			b.Skipped = append(b.Skipped, fmt.Sprintf("%s (%s)", vs[mid].Version, why(*c, rule)))
			vs = append(vs[:mid:mid], vs[mid+1:]...)
			hi--
		}
	}
	if b.Old != nil && versions.Compare(b.Old.Version, b.New.Version) > 0 {
		b.Old = nil // defensive: an Old above New means no single change
	}
	if b.Old != nil && lo > 0 && vs[lo-1].Version != b.Old.Version {
		// The older neighbour was not probed last: say which version it is
		// without a run of its own (its outcome is implied by the search).
		b.Old = &Cell{Version: vs[lo-1].Version, Generation: vs[lo-1].Generation}
	}
	return b, nil
}

func why(c Cell, rule string) string {
	if c.NotRun != "" {
		return firstLine(c.NotRun)
	}
	return fmt.Sprintf("%s: %s", rule, c.Outcome(rule))
}

// Report is the bisection's closing text: the two neighbouring versions and
// the evidence, scenario by scenario.
func (b Bisection) Report() string {
	if b.Old == nil {
		return fmt.Sprintf("%s: every version probed gives %s (as %s does), in %d runs: no change found\n",
			b.Rule, b.New.Outcome(b.Rule), b.New.Version, b.Runs)
	}
	s := fmt.Sprintf("%s changed between %s and %s (%d runs):\n", b.Rule, b.Old.Version, b.New.Version, b.Runs)
	for _, side := range []*Cell{b.Old, b.New} {
		if side.Scenarios == nil {
			s += fmt.Sprintf("  %s: not run by the bisection (its neighbour's outcome implies it)\n", side.Version)
			continue
		}
		s += fmt.Sprintf("  %s (%s, results/%s/):\n", side.Version, side.Outcome(b.Rule), side.Label)
		var names []string
		for name := range side.Scenarios {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if sc := side.Scenarios[name]; contains(sc.Rules, b.Rule) {
				s += fmt.Sprintf("    %q: %s\n", name, describe(sc))
				if sc.WireFile != "" {
					s += fmt.Sprintf("      wire: %s\n", sc.WireFile)
				}
			}
		}
	}
	for _, sk := range b.Skipped {
		s += fmt.Sprintf("  skipped %s\n", sk)
	}
	return s
}
