package cimatrix

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"conformance/internal/procgroup"
)

// Runner runs the rehearsed steps of a job, as a GitHub runner would run
// them in a checkout of the repository.
type Runner struct {
	Dir    string    // the checkout: the steps' working directory and GITHUB_WORKSPACE
	Event  string    // github.event_name
	Output io.Writer // the steps' output
	// Override replaces variables of the workflow's and job's env, for
	// what differs on this machine by design (where the merge job finds
	// the cells' results).
	Override map[string]string
	// Inputs are a reusable workflow's inputs (inputs.*), PR the pull
	// request's number (github.event.pull_request.number).
	Inputs map[string]string
	PR     string
}

// notFromHere are variables of this machine's environment a GitHub runner
// would not have: the suite's own settings (which make exports to its
// children) and make's, which would carry a make ci-matrix command line's
// variables into the steps' own make.
var notFromHere = []string{"SDK", "SDK_VERSION", "SDK_SOURCE", "SDK_SOURCE_VERSION", "IMPROVEMENTS", "TAGS", "RUNTIME", "RUNTIME_VERSION", "RUNTIME_BINARY",
	"TRANSPORT", "RUNNER", "RESULTS", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "GITHUB_ENV", "GITHUB_STEP_SUMMARY"}

// RunJob runs the job's rehearsed steps for one cell, in order, as GitHub
// does: after a step fails, only the steps with `if: always()` run; a step
// with continue-on-error does not fail the job. Any other `if:` on a
// rehearsed step is refused: its condition would need GitHub's expression
// language. The error joins the failures of the steps that failed the job.
func (r Runner) RunJob(ctx context.Context, w *Workflow, job Job, cell Cell) error {
	tmp, err := os.MkdirTemp("", "ci-matrix-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	githubEnv, summary := filepath.Join(tmp, "github_env"), filepath.Join(tmp, "step_summary")
	for _, f := range []string{githubEnv, summary} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			return err
		}
	}

	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	for _, k := range notFromHere {
		delete(env, k)
	}
	env["GITHUB_WORKSPACE"] = r.Dir
	env["GITHUB_EVENT_NAME"] = r.Event
	env["GITHUB_ENV"], env["GITHUB_STEP_SUMMARY"] = githubEnv, summary
	exprCtx := Context{Matrix: cell.Matrix, EventName: r.Event, Env: map[string]string{}, Inputs: r.Inputs, Workspace: r.Dir, PR: r.PR}
	for _, level := range []map[string]string{w.Env, job.Env} {
		for _, k := range sortedKeys(level) {
			v, err := Expand(level[k], exprCtx)
			if err != nil {
				return fmt.Errorf("env %s: %w", k, err)
			}
			env[k], exprCtx.Env[k] = v, v
		}
	}
	for k, v := range r.Override {
		env[k], exprCtx.Env[k] = v, v
	}

	ran := 0
	var failed error
	for i, s := range job.Steps {
		if !s.Rehearsed() {
			continue
		}
		ran++
		if s.If != "" && !s.Always() {
			return fmt.Errorf("step %s: rehearsed steps may have if: always() only (make ci-matrix does not evaluate other conditions)", s.ID)
		}
		if failed != nil && !s.Always() {
			fmt.Fprintf(r.Output, "\n=== %s: step %d %s: skipped (an earlier step failed)\n", cellName(cell), i+1, s.ID)
			continue
		}
		if s.Run == "" || (s.Shell != "" && s.Shell != "bash") {
			return fmt.Errorf("step %s: a rehearsed step runs a bash script (run:, no other shell)", s.ID)
		}
		stepEnv := map[string]string{}
		for k, v := range env {
			stepEnv[k] = v
		}
		set, err := readGitHubEnv(githubEnv)
		if err != nil {
			return err
		}
		for k, v := range set {
			stepEnv[k] = v
		}
		for _, k := range sortedKeys(s.Env) {
			v, err := Expand(s.Env[k], exprCtx)
			if err != nil {
				return fmt.Errorf("step %s: env %s: %w", s.ID, k, err)
			}
			stepEnv[k] = v
		}
		script, err := Expand(s.Run, exprCtx)
		if err != nil {
			return fmt.Errorf("step %s: %w", s.ID, err)
		}
		dir := r.Dir
		if s.WorkingDirectory != "" {
			dir = filepath.Join(r.Dir, s.WorkingDirectory)
		}
		fmt.Fprintf(r.Output, "\n=== %s: step %d %s: %s\n", cellName(cell), i+1, s.ID, firstLine(script))
		if err := runBash(ctx, dir, script, stepEnv, r.Output, tmp); err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("step %s: %w", s.ID, err)
			}
			if s.ContinueOnError {
				fmt.Fprintf(r.Output, "=== %s: step %s failed (continue-on-error): %v\n", cellName(cell), s.ID, err)
				continue
			}
			failed = errors.Join(failed, fmt.Errorf("step %s: %w", s.ID, err))
		}
	}
	if ran == 0 {
		return fmt.Errorf("the job has no step whose id starts with %q: nothing to rehearse", RehearsedPrefix)
	}
	return failed
}

// runBash runs a step's script as GitHub's default bash shell does
// (bash --noprofile --norc -eo pipefail), in a process group of its own
// that is killed when it ends or the context is cancelled.
func runBash(ctx context.Context, dir, script string, env map[string]string, out io.Writer, tmp string) error {
	f, err := os.CreateTemp(tmp, "step-*.sh")
	if err != nil {
		return err
	}
	if _, err := f.WriteString(script); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", f.Name())
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, out, out
	for _, k := range sortedKeys(env) {
		cmd.Env = append(cmd.Env, k+"="+env[k])
	}
	start := time.Now()
	err = procgroup.Run(ctx, cmd, 5*time.Second)
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted after %s: %w", time.Since(start).Round(time.Second), ctx.Err())
	}
	if err != nil {
		return fmt.Errorf("exited after %s: %w", time.Since(start).Round(time.Second), err)
	}
	return nil
}

// readGitHubEnv reads what steps appended to $GITHUB_ENV: NAME=value
// lines, and NAME<<DELIMITER blocks for values of several lines.
func readGitHubEnv(file string) (map[string]string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	vars := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		if name, delim, ok := strings.Cut(line, "<<"); ok && !strings.Contains(name, "=") {
			var value []string
			closed := false
			for sc.Scan() {
				if sc.Text() == delim {
					closed = true
					break
				}
				value = append(value, sc.Text())
			}
			if !closed {
				return nil, fmt.Errorf("$GITHUB_ENV: %s<<%s is not closed", name, delim)
			}
			vars[name] = strings.Join(value, "\n")
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("$GITHUB_ENV: not NAME=value: %q", line)
		}
		vars[name] = value
	}
	return vars, sc.Err()
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func cellName(c Cell) string {
	if c.ID == "" {
		return "job"
	}
	return c.ID
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
