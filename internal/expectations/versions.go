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
func (v Versions) Contains(version string) bool {
	if v.all {
		return true
	}
	sv, err := semver.NewVersion(version)
	if err != nil {
		return false
	}
	for _, c := range v.constraints {
		if c.Check(sv) {
			return true
		}
	}
	return false
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
