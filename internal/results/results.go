// Package results reads and writes the record a conformance run leaves in
// results/<label>/verdict.json: what was run (SDK build, runtime, runner,
// transport) and how each scenario was judged. The dashboard reads these.
package results

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"conformance/internal/expectations"
)

// FileName is the record's name inside a run's results directory.
const FileName = "verdict.json"

// Run is one run's record.
type Run struct {
	Label            string               `json:"label"`
	SDK              string               `json:"sdk"`
	SDKVersion       string               `json:"sdkVersion"`
	RequestedVersion string               `json:"requestedVersion,omitempty"` // SDK_VERSION
	Source           string               `json:"source,omitempty"`           // SDK_SOURCE
	Tags             string               `json:"tags,omitempty"`
	Generation       int                  `json:"generation"`
	CallbackField    string               `json:"callbackField"`
	Runtime          string               `json:"runtime"` // "fake" or "real"
	RuntimeVersion   string               `json:"runtimeVersion"`
	Runner           string               `json:"runner"`    // "local" or "container"
	Transport        string               `json:"transport"` // "tcp" or "stdio"
	FinishedAt       string               `json:"finishedAt"`
	OK               bool                 `json:"ok"`
	Verdict          expectations.Verdict `json:"verdict"`
	// NotRun, when set, says why this build could not run on the machine
	// at all (a missing toolchain, a package its registry does not serve):
	// the record has no verdict, and the dashboard shows the column as
	// not run, with this reason.
	NotRun string `json:"notRun,omitempty"`
	// Error, when set, says why a build that was asked for ended without a
	// verdict: the step of its set-up that failed (SDK install, driver
	// hello, ...) and the tool's own message. The record is then not OK,
	// and every gate fails on it. A run writes such a record when it
	// starts (StepUnfinished), so that a run that is killed or crashes
	// leaves one too.
	Error *RunError `json:"error,omitempty"`
	// Status is the record in one word (Write fills it in): passed,
	// failed, error or not run.
	Status string `json:"status"`
	// Improvements is how the run judged a known failure whose scenario
	// passed: ImprovementsFail (the suite's own CI: a stale entry fails)
	// or ImprovementsNotice (an SDK's CI: a notice and ExpectationsDiff).
	Improvements string `json:"improvements,omitempty"`
	// ExpectationsDiff names the file in the run's folder holding the
	// change to make to expectations/<sdk>.yaml for its improvements (a
	// unified diff), when there are any.
	ExpectationsDiff string `json:"expectationsDiff,omitempty"`
	// Suite is the suite's version, the rule set and the commit it ran.
	Suite Suite `json:"suite"`
	// SuiteCommit is the suite's commit the run was made with (git
	// rev-parse HEAD of the checkout holding the results, or "unknown"):
	// runs of one label from different commits may judge differently, so
	// the dashboard does not merge them unasked.
	SuiteCommit string `json:"suiteCommit,omitempty"`
	// Tentative lists the tentative rules the run included (BT-16 on),
	// apart from BT-1..15: proposals of the suite, whose failures do not
	// make an SDK non-conformant. Their scenarios are in Verdict too,
	// judged against the expectations like any other.
	Tentative []TentativeRule `json:"tentative,omitempty"`
	// Next, for a build of the next channel (<sdk>@next, or
	// RUNTIME_VERSION=next), is what it resolved to: RequestedVersion
	// (or RuntimeVersion's request) stays "next" in the label.
	Next *Next `json:"next,omitempty"`
}

// Next is what a run's next channels resolved to.
type Next struct {
	SDK     *Resolved `json:"sdk,omitempty"`
	Runtime *Resolved `json:"runtime,omitempty"`
}

// Resolved is one next channel resolved (internal/versions.Next): the
// version, the registry's newest release, and where it was read.
type Resolved struct {
	Version string `json:"version"`
	Latest  string `json:"latest,omitempty"`
	From    string `json:"from"`
}

// Channel is "next" for a record of the next channel, else "".
func (r Run) Channel() string {
	if r.Next != nil || r.RequestedVersion == NextChannel || r.RuntimeVersion == NextChannel {
		return NextChannel
	}
	return ""
}

// NextChannel is the version that names the next channel: SDK=node@next,
// SDK_VERSION=next, RUNTIME_VERSION=next.
const NextChannel = "next"

// What a run's Error says when the run did not finish its set-up or its
// scenarios: StepUnfinished is the record a run writes when it starts.
const StepUnfinished = "unfinished"

// RunError is why an asked-for build ended without a verdict.
type RunError struct {
	// Step is the part of the run that failed: "SDK install", "driver
	// hello", "stdio shim build", "real runtime start", "scenarios", ...
	Step string `json:"step"`
	// Message is the failing tool's own message.
	Message string `json:"message"`
}

func (e RunError) String() string { return e.Step + ": " + e.Message }

// The run's Status.
const (
	StatusPassed = "passed"
	StatusFailed = "failed"
	StatusError  = "error"
	StatusNotRun = "not run"
)

// The ways a run judges an improvement (Run.Improvements).
const (
	ImprovementsFail   = "fail"
	ImprovementsNotice = "notice"
)

// Suite is what a record says of the suite that made it: a run judged by
// another version or rule set may judge differently.
type Suite struct {
	Version string `json:"version"` // the VERSION file, e.g. "0.7.0"
	Commit  string `json:"commit"`  // git rev-parse HEAD, or "unknown"
	// Rules are the contract's rule ids, and a digest of the Rule blocks
	// (ids, titles and texts): two records with one digest were judged
	// against the same rules.
	Rules RuleSet `json:"rules"`
}

// RuleSet names the contract's rules (contract.Rule) a run was judged by.
type RuleSet struct {
	IDs    []string `json:"ids"`
	Digest string   `json:"digest"` // "sha256:<hex>"
}

// ReadSuiteVersion is the suite's version, the VERSION file at root.
func ReadSuiteVersion(root string) string {
	b, err := os.ReadFile(filepath.Join(root, "VERSION"))
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}

// RuleSetOf names rules, given as id, title and text each, in the order
// the features state them.
func RuleSetOf(rules [][3]string) RuleSet {
	h := sha256.New()
	rs := RuleSet{IDs: []string{}}
	for _, r := range rules {
		rs.IDs = append(rs.IDs, r[0])
		for _, part := range r {
			h.Write([]byte(part))
			h.Write([]byte{0})
		}
	}
	rs.Digest = "sha256:" + hex.EncodeToString(h.Sum(nil))
	return rs
}

// DidNotRun says why the record holds no verdict (a build not runnable
// here, or an error before or between its scenarios), or "" for a record
// with one.
func (r Run) DidNotRun() string {
	switch {
	case r.NotRun != "":
		return r.NotRun
	case r.Error != nil:
		return r.Error.String()
	}
	return ""
}

// StatusOf is the record's Status.
func (r Run) StatusOf() string {
	switch {
	case r.NotRun != "":
		return StatusNotRun
	case r.Error != nil:
		return StatusError
	case r.OK:
		return StatusPassed
	}
	return StatusFailed
}

// TentativeRule is how one tentative rule fared in a run.
type TentativeRule struct {
	ID    string `json:"id"`    // "BT-16"
	Title string `json:"title"` // "A slow callback blocks nothing else"
	Why   string `json:"why"`   // one line: why the suite proposes it
	// Scenarios are the rule's scenarios that ran, as judged.
	Scenarios []expectations.Judged `json:"scenarios"`
}

// Write stores the record in dir. Its lists are written as [] when empty,
// never null, so that a CI reading the record can count them as they are.
// A record without a suite commit gets the commit of the checkout dir is
// in.
func (r Run) Write(dir string) error {
	emptyLists(reflect.ValueOf(&r).Elem())
	if r.SuiteCommit == "" {
		r.SuiteCommit = SuiteCommit(dir)
	}
	if r.Suite.Commit == "" {
		r.Suite.Commit = r.SuiteCommit
	}
	if r.Suite.Version == "" {
		r.Suite.Version = "unknown"
	}
	if r.Error != nil {
		r.OK = false
	}
	r.Status = r.StatusOf()
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, FileName), b, 0o644)
}

// LoadAll reads every results/*/verdict.json under dir, sorted by label.
// A directory without a record is not a run and is skipped; a record that
// cannot be read is an error naming the file.
func LoadAll(dir string) ([]Run, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*", FileName))
	if err != nil {
		return nil, err
	}
	var runs []Run
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var r Run
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if r.Label == "" || r.SDK == "" {
			return nil, fmt.Errorf("%s: not a run record (no label or sdk)", p)
		}
		runs = append(runs, r)
	}
	if len(runs) == 0 {
		return nil, errors.New("no run records (results/*/verdict.json) under " + dir + ": run make conformance first")
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].Label < runs[j].Label })
	return runs, nil
}

// Load reads one run's record from its results directory.
func Load(dir string) (Run, error) {
	var r Run
	b, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("%s: %w", filepath.Join(dir, FileName), err)
	}
	return r, nil
}

// SuiteCommit is the commit checked out where dir is (git rev-parse HEAD),
// or "unknown" outside a git checkout.
func SuiteCommit(dir string) string {
	out, err := exec.Command("git", "-C", dir, "rev-parse", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

// emptyLists replaces every nil slice reachable from v (through struct
// fields, slice elements and pointers) with an empty one: encoding/json
// writes a nil slice as null. Fields tagged omitempty stay omitted, since
// an empty slice is omitted as a nil one is.
func emptyLists(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			emptyLists(v.Elem())
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if f := v.Field(i); f.CanSet() {
				emptyLists(f)
			}
		}
	case reflect.Slice:
		if v.IsNil() {
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		}
		for i := 0; i < v.Len(); i++ {
			emptyLists(v.Index(i))
		}
	}
}
