package expectations

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
	"gopkg.in/yaml.v3"
)

// ImprovementDiff is the change to make to an expectations file (data,
// named name, e.g. "expectations/python.yaml") for a build of version that
// no longer fails as the improved entries say: each entry's versions
// narrowed so they no longer cover version (Versions.Excluding), or the
// entry removed when nothing is left, as a unified diff (git apply reads
// it). It edits the lines of the file, not a re-encoding of it, so the
// diff holds the change and nothing else. An unknown version (known
// false) cannot be excluded by a range: the entry is removed.
func ImprovementDiff(name string, data []byte, improved []KnownFailure, version string, known bool) (string, error) {
	if len(improved) == 0 {
		return "", nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	items, err := knownFailureNodes(&doc)
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1] // the newline ending the last line
	}
	type edit struct {
		from, to int // 0-based lines [from, to) replaced
		with     []string
	}
	var edits []edit
	for _, k := range improved {
		i := findEntry(items, k)
		if i < 0 {
			return "", fmt.Errorf("%s: no entry for %q at step %q", name, k.Scenario, k.Step)
		}
		item := items[i]
		narrowed, none := Versions{}, true
		if known {
			if narrowed, none, err = k.Versions.Excluding(version); err != nil {
				return "", err
			}
		}
		if none {
			end := len(lines)
			if i+1 < len(items) {
				end = items[i+1].Line - 1
			} else {
				end = lastContentLine(lines, item) + 1
			}
			edits = append(edits, edit{from: item.Line - 1, to: end})
			continue
		}
		key, value := mappingValue(item, "versions")
		if key == nil {
			return "", fmt.Errorf("%s: the entry for %q has no versions", name, k.Scenario)
		}
		last := value.Line
		if value.Kind == yaml.SequenceNode && value.Style&yaml.FlowStyle == 0 && len(value.Content) > 0 {
			last = value.Content[len(value.Content)-1].Line
		}
		indent := strings.Repeat(" ", key.Column-1)
		// On the key's line, what precedes the key (a list item's "- ").
		prefix := lines[key.Line-1][:key.Column-1]
		if strings.TrimSpace(prefix) == "" {
			prefix = indent
		}
		edits = append(edits, edit{from: key.Line - 1, to: last, with: []string{prefix + "versions: " + versionsYAML(narrowed) + "\n"}})
	}
	// Applied from the bottom, so earlier edits keep their line numbers.
	for i := 1; i < len(edits); i++ {
		for j := i; j > 0 && edits[j].from > edits[j-1].from; j-- {
			edits[j], edits[j-1] = edits[j-1], edits[j]
		}
	}
	changed := append([]string(nil), lines...)
	for _, e := range edits {
		changed = append(changed[:e.from], append(append([]string(nil), e.with...), changed[e.to:]...)...)
	}
	return difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: lines, B: changed, FromFile: "a/" + name, ToFile: "b/" + name, Context: 3,
	})
}

// versionsYAML writes narrowed versions as the files do: one quoted range,
// or a flow list of them.
func versionsYAML(v Versions) string {
	if len(v.written) == 1 {
		return strconv.Quote(v.written[0])
	}
	quoted := make([]string, len(v.written))
	for i, w := range v.written {
		quoted[i] = strconv.Quote(w)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

func knownFailureNodes(doc *yaml.Node) ([]*yaml.Node, error) {
	if len(doc.Content) == 0 {
		return nil, errors.New("empty file")
	}
	_, seq := mappingValue(doc.Content[0], "known_failures")
	if seq == nil || seq.Kind != yaml.SequenceNode {
		return nil, errors.New("no known_failures list")
	}
	return seq.Content, nil
}

func mappingValue(m *yaml.Node, key string) (k, v *yaml.Node) {
	if m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

func findEntry(items []*yaml.Node, k KnownFailure) int {
	for i, item := range items {
		var e KnownFailure
		if item.Decode(&e) == nil && e.Scenario == k.Scenario && e.Step == k.Step && e.Message == k.Message {
			return i
		}
	}
	return -1
}

// lastContentLine is the 0-based index of the last line of the file that
// belongs to the last entry: its last non-blank, non-comment line.
func lastContentLine(lines []string, item *yaml.Node) int {
	last := item.Line - 1
	for i := item.Line; i < len(lines); i++ {
		t := strings.TrimSpace(lines[i])
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if !strings.HasPrefix(lines[i], " ") && !strings.HasPrefix(lines[i], "\t") && !strings.HasPrefix(t, "-") {
			break // the next top-level key
		}
		last = i
	}
	return last
}
