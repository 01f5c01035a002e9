package cimatrix

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// CallerRehearsal runs a reusable workflow's job (on: workflow_call) as an
// SDK repository's CI would call it: in a workspace holding the caller's
// checkout (sdk/, made by whoever rehearses, e.g. a git clone of a pull
// request's branch with its tags) and the suite's (suite/: this checkout,
// linked entry by entry, with a results folder of its own), with the
// caller's inputs over the workflow's defaults, and the job's `suite-`
// steps run as RunJob runs them. The steps GitHub alone runs (the
// checkouts, toolchains, the artifact upload, the comment's API call) are
// not rehearsed.
type CallerRehearsal struct {
	Workflow  string            // the reusable workflow's file
	Job       string            // its job ("conformance")
	Root      string            // the suite's checkout
	Workspace string            // GITHUB_WORKSPACE; must hold sdk/
	Inputs    map[string]string // the caller's with:
	PR        string            // the pull request's number
	Output    io.Writer
}

// Run prepares the workspace's suite/ (emptying its results) and runs
// the job; the error is the job's failure, or a rehearsal that could not
// start.
func (c CallerRehearsal) Run(ctx context.Context) error {
	w, err := Load(c.Workflow)
	if err != nil {
		return err
	}
	job, err := w.Job(c.Job)
	if err != nil {
		return err
	}
	inputs, err := c.inputs(w)
	if err != nil {
		return err
	}
	if fi, err := os.Stat(filepath.Join(c.Workspace, "sdk")); err != nil || !fi.IsDir() {
		return fmt.Errorf("the workspace %s has no sdk/ (the caller's checkout)", c.Workspace)
	}
	if err := c.linkSuite(); err != nil {
		return err
	}
	runner := Runner{Dir: c.Workspace, Event: "pull_request", Output: c.Output, Inputs: inputs, PR: c.PR}
	return runner.RunJob(ctx, w, job, Cell{Matrix: map[string]any{}})
}

// ResultsDir is where the rehearsed job's runs are: suite/results.
func (c CallerRehearsal) ResultsDir() string { return filepath.Join(c.Workspace, "suite", "results") }

// inputs are the caller's inputs over the workflow's defaults; a
// required input not given, or an input the workflow does not declare,
// is an error, as GitHub makes it.
func (c CallerRehearsal) inputs(w *Workflow) (map[string]string, error) {
	declared := w.On.WorkflowCall.Inputs
	out := map[string]string{}
	for name := range c.Inputs {
		if _, ok := declared[name]; !ok {
			return nil, fmt.Errorf("input %q: the workflow declares no such input", name)
		}
	}
	names := make([]string, 0, len(declared))
	for name := range declared {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		d := declared[name]
		v, given := c.Inputs[name]
		switch {
		case given:
		case d.Required:
			return nil, fmt.Errorf("input %q is required", name)
		case d.Default != nil:
			v = fmt.Sprint(d.Default)
		}
		out[name] = v
	}
	return out, nil
}

// linkSuite makes the workspace's suite/ this checkout: a link per entry,
// so that the rehearsal runs the working tree as it is, and a results
// folder of its own, so that the job's gate reads its runs only.
func (c CallerRehearsal) linkSuite() error {
	suite := filepath.Join(c.Workspace, "suite")
	if err := os.RemoveAll(suite); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(suite, "results"), 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(c.Root)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name() == "results" {
			continue
		}
		if err := os.Symlink(filepath.Join(c.Root, e.Name()), filepath.Join(suite, e.Name())); err != nil {
			return err
		}
	}
	return nil
}
