package expectations

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/Masterminds/semver/v3"
	"gopkg.in/yaml.v3"
)

// Versions says which SDK versions a known failure covers. In YAML it is
// required and is one of:
//
//	versions: all                      # every version, also an unknown one
//	versions: ">=1.0.4 <1.0.18"        # a semver range (Masterminds/semver syntax)
//	versions: ["1.0.4", "1.0.9"]       # a list: exact versions or ranges, any of them
type Versions struct {
	all         bool
	written     []string // as the file says, for messages
	constraints []*semver.Constraints
}

// AllVersions covers every version.
func AllVersions() Versions { return Versions{all: true, written: []string{"all"}} }

// ParseVersions reads the list form; a single "all" is AllVersions.
func ParseVersions(items ...string) (Versions, error) {
	if len(items) == 0 {
		return Versions{}, fmt.Errorf("versions is empty: say \"all\", a range such as \">=1.0.4 <1.0.18\", or a list of versions")
	}
	if len(items) == 1 && strings.TrimSpace(items[0]) == "all" {
		return AllVersions(), nil
	}
	v := Versions{}
	for _, item := range items {
		item = strings.TrimSpace(item)
		if item == "all" {
			return Versions{}, fmt.Errorf("versions: \"all\" cannot be one entry of a list")
		}
		c, err := semver.NewConstraint(item)
		if err != nil {
			return Versions{}, fmt.Errorf("versions: %q is neither a version nor a range: %v", item, err)
		}
		v.written = append(v.written, item)
		v.constraints = append(v.constraints, c)
	}
	return v, nil
}

// IsSet reports whether the versions were given at all.
func (v Versions) IsSet() bool { return v.all || len(v.constraints) > 0 }

// All reports whether every version is covered.
func (v Versions) All() bool { return v.all }

// Contains reports whether the versions cover version. A version that is
// not semver (a source build calling itself "0.0.0.dev0" or "(devel)") is
// covered only by "all".
//
// A release's version with build metadata (1.0.27+pr.123, 1.0.27+g1a2b3c)
// is a later build: one made from commits after release 1.0.27, such as a
// pull request's. Semver ignores build metadata in precedence, which
// would judge it as 1.0.27 itself; here it is ordered after 1.0.27 and
// before every release or prerelease of a later version (as if it were
// the prerelease 1.0.28-0.pr.123), so that ">=1.0.4 <1.0.28" and
// "<1.1.0" cover it and "<=1.0.27" or "1.0.27" do not. A prerelease with
// metadata (1.0.28-beta.1+pr.5) keeps semver's rule: judged as the
// prerelease.
func (v Versions) Contains(version string) bool {
	if v.all {
		return true
	}
	sv, err := semver.NewVersion(version)
	if err != nil {
		return false
	}
	later, isLater := laterBuild(sv)
	for _, c := range v.constraints {
		if isLater {
			// Copied: the constraint is shared, the setting is this check's.
			cc := *c
			cc.IncludePrerelease = true
			if cc.Check(later) {
				return true
			}
			continue
		}
		if c.Check(sv) {
			return true
		}
	}
	return false
}

// laterBuild returns the version a later build (see Contains) is ordered
// as, 1.0.27+pr.123 as 1.0.28-0.pr.123, and whether sv is one.
func laterBuild(sv *semver.Version) (*semver.Version, bool) {
	if sv.Metadata() == "" || sv.Prerelease() != "" {
		return sv, false
	}
	next := sv.IncPatch()
	ordered, err := semver.NewVersion(fmt.Sprintf("%d.%d.%d-0.%s", next.Major(), next.Minor(), next.Patch(), sv.Metadata()))
	if err != nil {
		return sv, false
	}
	return ordered, true
}

// IsLaterBuild reports whether version is a release's version with build
// metadata: a build from commits after that release (see Contains).
func IsLaterBuild(version string) bool {
	sv, err := semver.NewVersion(version)
	if err != nil {
		return false
	}
	_, later := laterBuild(sv)
	return later
}

// Written is the versions as the file gives them, one string: "all", a
// range, or a list's items joined by ", ".
func (v Versions) Written() string { return strings.Join(v.written, ", ") }

// withUpperBound replaces the upper bounds of a range (its "<" and "<="
// terms) by bound, or adds bound to a range without one: the range covers
// the build being excluded, so each of its bounds is above the new one.
func withUpperBound(alt, bound string) string {
	terms := strings.Fields(strings.ReplaceAll(alt, ",", " "))
	var kept []string
	for i := 0; i < len(terms); i++ {
		if strings.HasPrefix(terms[i], "<") {
			if terms[i] == "<" || terms[i] == "<=" {
				i++ // "< 1.0.18": the version is the next term
			}
			continue
		}
		kept = append(kept, terms[i])
	}
	return strings.Join(append(kept, bound), " ")
}

// Excluding returns the versions narrowed so that they no longer cover
// version, which they do: each range covering it gets an upper bound
// below it ("<=1.0.27" for the later build 1.0.27+pr.123, "<1.0.28" for
// the release 1.0.28), an exact version equal to it is dropped, and "all"
// becomes that bound alone. none is true when nothing is left: the entry
// should go. A version that is not semver cannot be excluded by a range:
// none is true then too (the entry covers it only by "all").
func (v Versions) Excluding(version string) (narrowed Versions, none bool, err error) {
	sv, err := semver.NewVersion(version)
	if err != nil {
		return Versions{}, true, nil
	}
	bound := "<" + sv.Original()
	base := sv
	if _, later := laterBuild(sv); later {
		b, _ := semver.NewVersion(fmt.Sprintf("%d.%d.%d", sv.Major(), sv.Minor(), sv.Patch()))
		base, bound = b, "<="+b.String()
	}
	if v.all {
		n, err := ParseVersions(bound)
		return n, false, err
	}
	var items []string
	for i, item := range v.written {
		if !(Versions{constraints: v.constraints[i : i+1]}).Contains(version) {
			items = append(items, item)
			continue
		}
		var alts []string
		for _, alt := range strings.Split(item, "||") {
			alt = strings.TrimSpace(alt)
			one, err := ParseVersions(alt)
			if err != nil {
				return Versions{}, false, err
			}
			if !one.Contains(version) {
				alts = append(alts, alt)
				continue
			}
			if _, err := semver.StrictNewVersion(strings.TrimPrefix(alt, "v")); err == nil {
				continue // the exact version itself
			}
			narrowedAlt := withUpperBound(alt, bound)
			if n, err := ParseVersions(narrowedAlt); err != nil {
				return Versions{}, false, err
			} else if bound[1] == '=' && !n.Contains(base.String()) {
				continue // nothing left at or below the release
			}
			alts = append(alts, narrowedAlt)
		}
		if len(alts) > 0 {
			items = append(items, strings.Join(alts, " || "))
		}
	}
	if len(items) == 0 {
		return Versions{}, true, nil
	}
	n, err := ParseVersions(items...)
	return n, false, err
}

// String renders the versions for a reader: "all", the range as written,
// or a list of exact versions as "lowest to highest".
func (v Versions) String() string {
	if v.all {
		return "all versions"
	}
	var exact []*semver.Version
	for _, w := range v.written {
		sv, err := semver.StrictNewVersion(strings.TrimPrefix(w, "v"))
		if err != nil {
			return strings.Join(v.written, ", ")
		}
		exact = append(exact, sv)
	}
	sort.Sort(semver.Collection(exact))
	if len(exact) == 1 {
		return exact[0].Original()
	}
	return exact[0].Original() + " to " + exact[len(exact)-1].Original()
}

// UnmarshalYAML takes a scalar ("all" or a range) or a sequence of them.
func (v *Versions) UnmarshalYAML(n *yaml.Node) error {
	var items []string
	switch n.Kind {
	case yaml.ScalarNode:
		items = []string{n.Value}
	case yaml.SequenceNode:
		if err := n.Decode(&items); err != nil {
			return err
		}
	default:
		return fmt.Errorf("line %d: versions must be \"all\", a range or a list of versions", n.Line)
	}
	parsed, err := ParseVersions(items...)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*v = parsed
	return nil
}

// MarshalJSON writes the versions as the file gave them.
func (v Versions) MarshalJSON() ([]byte, error) {
	if len(v.written) == 1 {
		return json.Marshal(v.written[0])
	}
	return json.Marshal(v.written)
}

// UnmarshalJSON reads what MarshalJSON wrote (results/*/verdict.json).
func (v *Versions) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*v = Versions{}
		return nil
	}
	var items []string
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		items = []string{one}
	} else if err := json.Unmarshal(b, &items); err != nil {
		return err
	}
	parsed, err := ParseVersions(items...)
	if err != nil {
		return err
	}
	*v = parsed
	return nil
}
