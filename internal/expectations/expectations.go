// Package expectations holds what the suite expects of each SDK: the ways
// it is known to fail, each named by scenario, failing step, a fragment of
// the failure message and the SDK versions, with the reason. A real SDK that
// breaks a rule is a finding to record, not a reason for a red build; a run
// fails only on an unexpected result: a failure nobody recorded (also a
// listed scenario failing another way), or a recorded failure that the run
// no longer shows (the record is stale and must go).
package expectations

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// File is expectations/<sdk>.yaml.
type File struct {
	SDK           string         `yaml:"sdk"`
	KnownFailures []KnownFailure `yaml:"known_failures"`
}

// KnownFailure is one way an SDK is known to fail one scenario: the step
// that fails and a fragment of its failure message that identifies the
// break. The same scenario failing at another step or with another message
// is a different failure, and unexpected.
type KnownFailure struct {
	Scenario string `yaml:"scenario" json:"scenario"`
	// Step is the failing step's text as in the feature, without its
	// keyword (Given/When/Then/And).
	Step string `yaml:"step" json:"step"`
	// Message is a fragment of the failure's first line.
	Message  string   `yaml:"message" json:"message"`
	Versions Versions `yaml:"versions" json:"versions"`
	// Reason says what the SDK does, which rule it breaks, and the wire
	// evidence.
	Reason string `yaml:"reason" json:"reason"`
}

// matches reports whether a failed result is this known failure.
func (k KnownFailure) matches(r Result) bool {
	return r.Status == Failed && r.Scenario == k.Scenario && r.Step == k.Step && strings.Contains(r.Message, k.Message)
}

func (k KnownFailure) describe() string {
	return fmt.Sprintf("at step %q with a message containing %q", k.Step, k.Message)
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
	f, err := Parse(path, b)
	if err != nil {
		return File{}, err
	}
	if f.SDK != sdk {
		return File{}, fmt.Errorf("%s: sdk is %q, want %q", path, f.SDK, sdk)
	}
	return f, nil
}

// Parse reads an expectations file's content; name (the file's path) is
// for messages. Every known failure must name its scenario, step, message,
// versions and reason.
func Parse(name string, data []byte) (File, error) {
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	// io.EOF: an empty file, which lists no known failures.
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return File{}, fmt.Errorf("%s: %w", name, err)
	}
	if strings.TrimSpace(f.SDK) == "" {
		return File{}, fmt.Errorf("%s: no sdk: the file must say which SDK it is for", name)
	}
	type key struct{ scenario, step, message string }
	seen := map[key]bool{}
	for i, k := range f.KnownFailures {
		what := fmt.Sprintf("%s: known failure %d (%q)", name, i+1, k.Scenario)
		switch {
		case strings.TrimSpace(k.Scenario) == "":
			return File{}, fmt.Errorf("%s: known failure %d has no scenario", name, i+1)
		case strings.TrimSpace(k.Step) == "":
			return File{}, fmt.Errorf("%s has no step: name the step that fails, as in the feature", what)
		case strings.TrimSpace(k.Message) == "":
			return File{}, fmt.Errorf("%s has no message: give a fragment of the failure message that identifies the break", what)
		case !k.Versions.IsSet():
			return File{}, fmt.Errorf("%s has no versions: say \"all\", a range such as \">=1.0.4 <1.0.18\", or a list", what)
		case strings.TrimSpace(k.Reason) == "":
			return File{}, fmt.Errorf("%s has no reason; every expected failure needs one, with the wire evidence", what)
		case seen[key{k.Scenario, k.Step, k.Message}]:
			return File{}, fmt.Errorf("%s is listed twice with the same step and message", what)
		}
		seen[key{k.Scenario, k.Step, k.Message}] = true
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
	// Step is the text of the step that failed (without its keyword), or
	// AfterScenario when the scenario failed after its last step.
	Step string `json:"step,omitempty"`
	// Message is the failure, or why the scenario does not apply.
	Message string `json:"message,omitempty"`
	// Observations are values the scenario recorded, whatever its status.
	Observations []Observation `json:"observations,omitempty"`
}

// AfterScenario is Result.Step of a failure found after the last step
// (for example, unreadable frames from the SDK).
const AfterScenario = "(after the scenario)"

// Judged is a result with the expectation it was judged against.
type Judged struct {
	Result
	// Expected: a failure that matched a known failure, or a pass of a
	// scenario listed as failing.
	Expected bool   `json:"expected"`
	Reason   string `json:"reason,omitempty"` // the known failure's reason
	// Versions are the known failure's versions, as its entry gives them,
	// so that a report can name the entry (scenario and versions).
	Versions string `json:"versions,omitempty"`
	// Note explains an unexpected failure that resembles a known one: the
	// entry it almost matched, or the versions it is known in.
	Note string `json:"note,omitempty"`
}

// Verdict sorts a run's results by what they mean.
type Verdict struct {
	Passed             []Judged `json:"passed"`
	ExpectedFailures   []Judged `json:"expectedFailures"`
	UnexpectedFailures []Judged `json:"unexpectedFailures"`
	UnexpectedPasses   []Judged `json:"unexpectedPasses"`
	NotApplicable      []Judged `json:"notApplicable"`
	Observed           []Judged `json:"observed"`
	// Stale lists known failures of this build whose scenario ran and
	// did not fail that way (it passed, or failed another way): the
	// entry no longer describes the SDK, and the run fails.
	Stale []KnownFailure `json:"stale,omitempty"`
	// NotRun lists known failures of this build whose scenario the run did
	// not include (filtered out by tags, or not applicable): neither
	// confirmed nor refuted.
	NotRun []KnownFailure `json:"notRun,omitempty"`
	// Improvements are the stale known failures whose scenario passed:
	// the SDK no longer fails that way. In the suite's own CI they fail
	// the run as any stale entry does; in an SDK's CI (OKAllowingImprovements)
	// they are a notice and a change to make to the expectations file.
	Improvements []KnownFailure `json:"improvements,omitempty"`
	// NotApplicableByRule counts the not-applicable scenarios per rule
	// (BT-n, from the @BT-n tags): which rules the build was not checked on.
	NotApplicableByRule map[string]int `json:"notApplicableByRule,omitempty"`
}

// OK reports whether the run had no unexpected result: no unexpected
// failure, no unexpected pass, no stale known failure.
func (v Verdict) OK() bool {
	return len(v.UnexpectedFailures) == 0 && len(v.UnexpectedPasses) == 0 && len(v.Stale) == 0
}

// OKAllowingImprovements reports whether the run had no unexpected result
// other than improvements: no unexpected failure, and every stale known
// failure one whose scenario passed. An SDK's own CI (IMPROVEMENTS=notice)
// goes green on it, so that the pull request that fixes a finding is not
// the one punished; an unexpected failure is always red.
func (v Verdict) OKAllowingImprovements() bool {
	if len(v.UnexpectedFailures) > 0 || len(v.Stale) != len(v.Improvements) {
		return false
	}
	improved := map[string]bool{}
	for _, k := range v.Improvements {
		improved[k.Scenario] = true
	}
	for _, j := range v.UnexpectedPasses {
		if !improved[j.Scenario] {
			return false
		}
	}
	return true
}

// Build is a file's expectations for one SDK build.
type Build struct {
	file    File
	version string
	known   bool
}

// For returns the expectations for an SDK build of this version. known
// says whether the version is the build's real one; a build from source
// that declares none has an unknown version, and then only entries for
// "all" versions apply: a failure matching another entry stays
// unexpected, and its note says which released versions it is known in.
func (f File) For(version string, known bool) Build {
	return Build{file: f, version: version, known: known}
}

func (b Build) applies(k KnownFailure) bool {
	return k.Versions.All() || (b.known && k.Versions.Contains(b.version))
}

// Judge judges one result against the known failures.
func (b Build) Judge(r Result) Judged {
	j, _ := b.judge(r)
	return j
}

// judge also returns the index of the known failure the result matched
// (-1 for none).
func (b Build) judge(r Result) (Judged, int) {
	j := Judged{Result: r}
	var listed []KnownFailure // applicable entries for this scenario
	for i, k := range b.file.KnownFailures {
		if k.Scenario != r.Scenario || !b.applies(k) {
			continue
		}
		if k.matches(r) {
			j.Expected, j.Reason, j.Versions = true, k.Reason, k.Versions.Written()
			return j, i
		}
		listed = append(listed, k)
	}
	switch {
	case r.Status == Passed && len(listed) > 0:
		j.Expected, j.Reason, j.Versions = true, listed[0].Reason, listed[0].Versions.Written()
	case r.Status != Failed:
	case len(listed) > 0:
		j.Note = fmt.Sprintf("expectations/%s.yaml lists this scenario failing %s; it failed at step %q",
			b.file.SDK, listed[0].describe(), r.Step)
	default:
		for _, k := range b.file.KnownFailures {
			if !k.matches(r) {
				continue
			}
			if b.known {
				j.Note = fmt.Sprintf("known in %s %s, which does not cover %s: %s", b.file.SDK, k.Versions, b.version, k.Reason)
			} else {
				j.Note = fmt.Sprintf("known in %s %s: %s (this build's version is unknown)", b.file.SDK, k.Versions, k.Reason)
			}
			break
		}
	}
	return j, -1
}

// Verdict judges a run's results.
func (b Build) Verdict(results []Result) Verdict {
	var v Verdict
	ran := map[string]bool{}    // scenarios that ran (not "not applicable")
	passed := map[string]bool{} // scenarios that passed (every run of the name)
	failed := map[string]bool{}
	matched := map[int]bool{}
	for _, r := range results {
		j, i := b.judge(r)
		if i >= 0 {
			matched[i] = true
		}
		if r.Status != NotApplicable {
			ran[r.Scenario] = true
		}
		switch r.Status {
		case Passed:
			passed[r.Scenario] = true
		case Failed, Observed:
			failed[r.Scenario] = true
		}
		switch {
		case r.Status == NotApplicable:
			v.NotApplicable = append(v.NotApplicable, j)
		case r.Status == Observed:
			v.Observed = append(v.Observed, j)
		case r.Status == Passed && j.Expected:
			v.UnexpectedPasses = append(v.UnexpectedPasses, j)
		case r.Status == Passed:
			v.Passed = append(v.Passed, j)
		case j.Expected:
			v.ExpectedFailures = append(v.ExpectedFailures, j)
		default:
			v.UnexpectedFailures = append(v.UnexpectedFailures, j)
		}
	}
	for i, k := range b.file.KnownFailures {
		switch {
		case !b.applies(k) || matched[i]:
		case ran[k.Scenario]:
			v.Stale = append(v.Stale, k)
			if passed[k.Scenario] && !failed[k.Scenario] {
				v.Improvements = append(v.Improvements, k)
			}
		default:
			v.NotRun = append(v.NotRun, k)
		}
	}
	v.NotApplicableByRule = countByRule(v.NotApplicable)
	return v
}

// Summary is a one-line count.
func (v Verdict) Summary() string {
	s := fmt.Sprintf("%d passed, %d failed (%d expected, %d unexpected), %d unexpectedly passed, %d not applicable, %d observed",
		len(v.Passed), len(v.ExpectedFailures)+len(v.UnexpectedFailures), len(v.ExpectedFailures),
		len(v.UnexpectedFailures), len(v.UnexpectedPasses), len(v.NotApplicable), len(v.Observed))
	if len(v.Stale) > 0 {
		s += fmt.Sprintf(", %d stale known failure(s)", len(v.Stale))
	}
	if len(v.NotRun) > 0 {
		s += fmt.Sprintf(", %d known failure(s) not run", len(v.NotRun))
	}
	return s
}

// countByRule counts results per rule tag (@BT-n).
func countByRule(js []Judged) map[string]int {
	if len(js) == 0 {
		return nil
	}
	counts := map[string]int{}
	for _, j := range js {
		for _, t := range j.Tags {
			if strings.HasPrefix(t, "@BT-") {
				counts[strings.TrimPrefix(t, "@")]++
			}
		}
	}
	return counts
}
