// Package results reads and writes the record a conformance run leaves in
// results/<label>/verdict.json: what was run (SDK build, runtime, runner,
// transport) and how each scenario was judged. The dashboard reads these.
package results

import (
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
