// Package differential checks the fake runtime against the real one. A
// scenario that runs on both leaves two wire logs of the same SDK doing the
// same thing; with what must differ normalised away (ids, UUIDs, times,
// ports, paths), what the SDK sent and answered, and what reached the model
// endpoint, should be the same. A difference is either a gap in the fake
// runtime's fidelity to fix, or an accepted difference with its reason.
package differential

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"conformance/internal/wirelog"
)

// Record is what a scenario leaves for the check: results/<label>/wire/<scenario>.json.
type Record struct {
	Scenario string          `json:"scenario"`
	Frames   []wirelog.Frame `json:"frames"`
	Model    []ModelRequest  `json:"modelRequests"`
}

// ModelRequest is what the model endpoint saw of one request.
type ModelRequest struct {
	Path          string `json:"path"`
	Authorization string `json:"authorization"`
}

// FileName is where a scenario's record goes inside dir.
func FileName(dir, scenario string) string {
	return filepath.Join(dir, "wire", slug.ReplaceAllString(strings.ToLower(scenario), "-")+".json")
}

var slug = regexp.MustCompile(`[^a-z0-9]+`)

// Write stores a record.
func (r Record) Write(dir string) error {
	path := FileName(dir, r.Scenario)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

var normalisers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`), "<uuid>"},
	{regexp.MustCompile(`127\.0\.0\.1:\d+`), "<loopback>"},
	{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`), "<time>"},
}

func normalise(s string) string {
	for _, n := range normalisers {
		s = n.re.ReplaceAllString(s, n.with)
	}
	return s
}

// SDKLines is what the SDK sent, one normalised line per message, in
// order: its requests and notifications (method and params) and its
// answers to the runtime's requests (which method, and the result or
// error). Ids are dropped: they differ by design.
func SDKLines(frames []wirelog.Frame) []string {
	methods := map[string]string{} // runtime request id -> method
	var lines []string
	for _, f := range frames {
		m, err := f.Decode()
		if err != nil {
			lines = append(lines, "unreadable frame: "+f.Err)
			continue
		}
		if f.Dir == wirelog.RuntimeToSDK {
			if m.IsRequest() {
				methods[string(m.ID)] = m.Method
			}
			continue
		}
		switch {
		case m.Method != "":
			lines = append(lines, normalise(fmt.Sprintf("%s %s", m.Method, canonical(m.Params))))
		case m.Error != nil:
			lines = append(lines, normalise(fmt.Sprintf("answer to %s: error %d %s", methods[string(m.ID)], m.Error.Code, m.Error.Message)))
		default:
			lines = append(lines, normalise(fmt.Sprintf("answer to %s: %s", methods[string(m.ID)], canonical(m.Result))))
		}
	}
	return lines
}

// canonical re-encodes JSON with sorted keys.
func canonical(raw json.RawMessage) string {
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	b, _ := json.Marshal(v) // maps marshal with sorted keys
	return string(b)
}

// ModelLines is what reached the model endpoint, normalised.
func ModelLines(reqs []ModelRequest) []string {
	var out []string
	for _, r := range reqs {
		out = append(out, normalise(fmt.Sprintf("POST %s Authorization: %s", r.Path, r.Authorization)))
	}
	return out
}

// Accepted is a known difference between the runtimes, with its reason:
// an entry of expectations/differential.yaml. It covers a differing line
// of one scenario, seen under one runtime (or either), for some SDKs (or
// every one). An entry that covers no difference of a scenario the check
// compared is stale, and fails the check as an unaccepted difference
// does: the runtimes no longer differ that way, and the entry would hide
// the next difference that matches it.
type Accepted struct {
	// Scenario is the scenario's name, exactly.
	Scenario string `yaml:"scenario"`
	// Only is "fake" or "real": the runtime under which the line is seen
	// and not under the other; empty for either.
	Only string `yaml:"only"`
	// Pattern is a regular expression over a differing line (see
	// SDKLines and ModelLines).
	Pattern string `yaml:"pattern"`
	// SDKs are the SDKs whose runs show the difference; empty for every
	// SDK.
	SDKs   []string `yaml:"sdks"`
	Reason string   `yaml:"reason"`
	re     *regexp.Regexp
}

// appliesTo says whether the entry is about this SDK's runs.
func (a Accepted) appliesTo(sdk string) bool {
	return len(a.SDKs) == 0 || slices.Contains(a.SDKs, sdk)
}

// covers says whether the entry accepts d, a difference of sdk's runs.
func (a Accepted) covers(sdk string, d Difference) bool {
	return a.appliesTo(sdk) && a.Scenario == d.Scenario && (a.Only == "" || a.Only == d.Only) && a.re.MatchString(d.Line)
}

// LoadAccepted reads the accepted differences (a missing file is none).
func LoadAccepted(path string) ([]Accepted, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var file struct {
		Accepted []Accepted `yaml:"accepted"`
	}
	if err := yaml.Unmarshal(b, &file); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i := range file.Accepted {
		a := &file.Accepted[i]
		switch {
		case a.Reason == "":
			return nil, fmt.Errorf("%s: accepted difference %q has no reason", path, a.Pattern)
		case a.Scenario == "":
			return nil, fmt.Errorf("%s: accepted difference %q names no scenario", path, a.Pattern)
		case a.Only != "" && a.Only != "fake" && a.Only != "real":
			return nil, fmt.Errorf("%s: accepted difference %q: only is %q, want fake, real or nothing", path, a.Pattern, a.Only)
		}
		if a.re, err = regexp.Compile(a.Pattern); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return file.Accepted, nil
}

// Difference is one line found under one runtime and not the other.
type Difference struct {
	Scenario string
	Only     string // "fake" or "real"
	Line     string
	Accepted string // the reason, when an accepted difference covers it
}

// Compare diffs the two records of one scenario of sdk as multisets of
// lines (the runtimes may order independent messages differently), and
// marks the differences an accepted entry covers.
func Compare(sdk string, fake, real Record, accepted []Accepted) []Difference {
	var diffs []Difference
	add := func(only string, lines []string) {
		for _, l := range lines {
			d := Difference{Scenario: fake.Scenario, Only: only, Line: l}
			for _, a := range accepted {
				if a.covers(sdk, d) {
					d.Accepted = a.Reason
					break
				}
			}
			diffs = append(diffs, d)
		}
	}
	onlyFake, onlyReal := subtract(SDKLines(fake.Frames), SDKLines(real.Frames))
	add("fake", onlyFake)
	add("real", onlyReal)
	onlyFake, onlyReal = subtract(ModelLines(fake.Model), ModelLines(real.Model))
	add("fake", onlyFake)
	add("real", onlyReal)
	return diffs
}

// subtract returns the lines of a not in b and of b not in a, counting
// duplicates.
func subtract(a, b []string) (onlyA, onlyB []string) {
	count := map[string]int{}
	for _, l := range a {
		count[l]++
	}
	for _, l := range b {
		count[l]--
	}
	keys := make([]string, 0, len(count))
	for l := range count {
		keys = append(keys, l)
	}
	sort.Strings(keys)
	for _, l := range keys {
		for n := count[l]; n > 0; n-- {
			onlyA = append(onlyA, l)
		}
		for n := count[l]; n < 0; n++ {
			onlyB = append(onlyB, l)
		}
	}
	return onlyA, onlyB
}

// Load reads a record.
func Load(path string) (Record, error) {
	var r Record
	b, err := os.ReadFile(path)
	if err != nil {
		return r, err
	}
	err = json.Unmarshal(b, &r)
	return r, err
}
