// Package expectations holds what the suite expects of each SDK: the
// scenarios it is known to fail and why. A real SDK that breaks a rule is a
// finding to record, not a reason for a red build; a run fails only on an
// unexpected result: a failure nobody recorded, or a recorded failure that
// now passes (the record is stale and must go).
package expectations

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// File is expectations/<sdk>.yaml.
type File struct {
	SDK           string         `yaml:"sdk"`
	KnownFailures []KnownFailure `yaml:"known_failures"`
}

// KnownFailure is one scenario an SDK is known to fail.
type KnownFailure struct {
	Scenario string `yaml:"scenario"`
	Reason   string `yaml:"reason"`
	// Versions, when given, limits the entry to these SDK versions.
	Versions []string `yaml:"versions,omitempty"`
	// Step and Message, the failing step and a fragment of its message,
	// are what issue #11's precise matching keys on; read, not yet matched.
	Step    string `yaml:"step,omitempty"`
	Message string `yaml:"message,omitempty"`
}

func (k KnownFailure) appliesTo(version string) bool {
	if len(k.Versions) == 0 {
		return true
	}
	for _, v := range k.Versions {
		if v == version {
			return true
		}
	}
	return false
}

// Load reads dir/<sdk>.yaml. A missing file means no known failures.
func Load(dir, sdk string) (File, error) {
	path := filepath.Join(dir, sdk+".yaml")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return File{SDK: sdk}, nil
	}
	if err != nil {
		return File{}, err
	}
	var f File
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	// io.EOF: an empty file, which lists no known failures.
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return File{}, fmt.Errorf("%s: %w", path, err)
	}
	if f.SDK != sdk {
		return File{}, fmt.Errorf("%s: sdk is %q, want %q", path, f.SDK, sdk)
	}
	seen := map[string]bool{}
	for i, k := range f.KnownFailures {
		switch {
		case strings.TrimSpace(k.Scenario) == "":
			return File{}, fmt.Errorf("%s: known_failures[%d] has no scenario", path, i)
		case strings.TrimSpace(k.Reason) == "":
			return File{}, fmt.Errorf("%s: known failure %q has no reason; every expected failure needs one", path, k.Scenario)
		case seen[k.Scenario]:
			return File{}, fmt.Errorf("%s: scenario %q is listed twice", path, k.Scenario)
		}
		seen[k.Scenario] = true
	}
	return f, nil
}

// Status is a scenario's outcome.
type Status string

const (
	Passed        Status = "passed"
	Failed        Status = "failed"
	NotApplicable Status = "not applicable"
	// Observed is a scenario that records what the SDK does where the
	// contract leaves the case open (tag @observed): neither pass nor fail.
	Observed Status = "observed"
)

// Observation is one value a scenario recorded about the SDK's behaviour.
type Observation struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Result is what one scenario did.
type Result struct {
	Feature  string   `json:"feature"`
	Scenario string   `json:"scenario"`
	Tags     []string `json:"tags"`
	Status   Status   `json:"status"`
	// Message is the failure, or why the scenario does not apply.
	Message string `json:"message,omitempty"`
	// Observations are values the scenario recorded, whatever its status.
	Observations []Observation `json:"observations,omitempty"`
}

// Judged is a result with the expectation it was judged against.
type Judged struct {
	Result
	Expected bool   `json:"expected"`
	Reason   string `json:"reason,omitempty"` // the known failure's reason
}

// Verdict sorts a run's results by what they mean.
type Verdict struct {
	Passed             []Judged `json:"passed"`
	ExpectedFailures   []Judged `json:"expectedFailures"`
	UnexpectedFailures []Judged `json:"unexpectedFailures"`
	UnexpectedPasses   []Judged `json:"unexpectedPasses"`
	NotApplicable      []Judged `json:"notApplicable"`
	Observed           []Judged `json:"observed"`
	// Unused lists known failures of this version for scenarios the run
	// did not include (for example, filtered out by tags).
	Unused []KnownFailure `json:"unused,omitempty"`
}

// OK reports whether the run had no unexpected result.
func (v Verdict) OK() bool { return len(v.UnexpectedFailures) == 0 && len(v.UnexpectedPasses) == 0 }

// Known returns the known failures that apply to an SDK version, by
// scenario name.
func (f File) Known(version string) map[string]KnownFailure {
	known := map[string]KnownFailure{}
	for _, k := range f.KnownFailures {
		if k.appliesTo(version) {
			known[k.Scenario] = k
		}
	}
	return known
}

// Judge compares results with the expectations for the given SDK version.
func (f File) Judge(version string, results []Result) Verdict {
	known := f.Known(version)
	var v Verdict
	ran := map[string]bool{}
	for _, r := range results {
		ran[r.Scenario] = true
		k, isKnown := known[r.Scenario]
		j := Judged{Result: r, Expected: isKnown, Reason: k.Reason}
		switch {
		case r.Status == NotApplicable:
			v.NotApplicable = append(v.NotApplicable, j)
		case r.Status == Observed:
			v.Observed = append(v.Observed, j)
		case r.Status == Passed && isKnown:
			v.UnexpectedPasses = append(v.UnexpectedPasses, j)
		case r.Status == Passed:
			v.Passed = append(v.Passed, j)
		case isKnown:
			v.ExpectedFailures = append(v.ExpectedFailures, j)
		default:
			v.UnexpectedFailures = append(v.UnexpectedFailures, j)
		}
	}
	for name, k := range known {
		if !ran[name] {
			v.Unused = append(v.Unused, k)
		}
	}
	sort.Slice(v.Unused, func(i, j int) bool { return v.Unused[i].Scenario < v.Unused[j].Scenario })
	return v
}

// Summary is a one-line count.
func (v Verdict) Summary() string {
	return fmt.Sprintf("%d passed, %d failed (%d expected, %d unexpected), %d unexpectedly passed, %d not applicable, %d observed",
		len(v.Passed), len(v.ExpectedFailures)+len(v.UnexpectedFailures), len(v.ExpectedFailures),
		len(v.UnexpectedFailures), len(v.UnexpectedPasses), len(v.NotApplicable), len(v.Observed))
}
