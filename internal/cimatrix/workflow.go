// Package cimatrix rehearses a GitHub Actions workflow's matrix on this
// machine (make ci-matrix): it reads the workflow file itself, expands the
// matrix of a job into cells as GitHub does, and runs, for a cell, the
// job's steps whose id starts with RehearsedPrefix, with the environment
// GitHub would give them (workflow, job and step env, ${{ }} expressions
// over the cell's matrix values, $GITHUB_ENV between steps). The other
// steps (actions: toolchains, caches, artifacts, Pages) are the hosting,
// which it does not exercise. Reading the file, rather than a copy of its
// commands, is what keeps the rehearsal and the workflow from drifting.
package cimatrix

import (
	"fmt"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// RehearsedPrefix starts the id of every step make ci-matrix runs.
const RehearsedPrefix = "suite-"

// Workflow is the part of a workflow file the rehearsal needs.
type Workflow struct {
	On struct {
		WorkflowCall struct {
			Inputs map[string]struct {
				Default  any  `yaml:"default"`
				Required bool `yaml:"required"`
			} `yaml:"inputs"`
		} `yaml:"workflow_call"`
	} `yaml:"on"`
	Env  map[string]string `yaml:"env"`
	Jobs map[string]Job    `yaml:"jobs"`
}

// Job is one job of a workflow.
type Job struct {
	Env      map[string]string `yaml:"env"`
	Strategy struct {
		Matrix yaml.Node `yaml:"matrix"`
	} `yaml:"strategy"`
	Steps []Step `yaml:"steps"`
}

// Step is one step of a job.
type Step struct {
	ID               string            `yaml:"id"`
	Name             string            `yaml:"name"`
	If               string            `yaml:"if"`
	Run              string            `yaml:"run"`
	Uses             string            `yaml:"uses"`
	Shell            string            `yaml:"shell"`
	WorkingDirectory string            `yaml:"working-directory"`
	Env              map[string]string `yaml:"env"`
	ContinueOnError  bool              `yaml:"continue-on-error"`
}

// Always reports whether the step runs after an earlier step failed (if:
// always()), the one condition the rehearsal evaluates.
func (s Step) Always() bool {
	c := strings.TrimSpace(s.If)
	c = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(c, "${{"), "}}"))
	return c == "always()"
}

// Rehearsed reports whether make ci-matrix runs the step.
func (s Step) Rehearsed() bool { return strings.HasPrefix(s.ID, RehearsedPrefix) }

// Load reads a workflow file.
func Load(file string) (*Workflow, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var w Workflow
	if err := yaml.Unmarshal(b, &w); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return &w, nil
}

// Job returns the named job, or an error naming the file's jobs.
func (w *Workflow) Job(name string) (Job, error) {
	j, ok := w.Jobs[name]
	if !ok {
		var names []string
		for n := range w.Jobs {
			names = append(names, n)
		}
		sort.Strings(names)
		return Job{}, fmt.Errorf("no job %q in the workflow (jobs: %s)", name, strings.Join(names, ", "))
	}
	return j, nil
}

// Cell is one combination of a job's matrix.
type Cell struct {
	// ID names the cell: its values in the matrix's order, joined by "/";
	// an object value is named by its "name" field (node@1.0.4/real/tcp).
	ID     string
	Matrix map[string]any
}

// Cells expands the job's matrix: the product of its axes, in the order
// the file gives them, as GitHub orders a matrix's jobs. include and
// exclude are refused: the rehearsal would have to reproduce GitHub's
// rules for them, and the workflow does not need them.
func (j Job) Cells() ([]Cell, error) {
	m := j.Strategy.Matrix
	if m.Kind == 0 {
		return []Cell{{ID: "", Matrix: map[string]any{}}}, nil
	}
	if m.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("strategy.matrix is not a mapping (an expression?): the rehearsal needs it literal")
	}
	cells := []Cell{{Matrix: map[string]any{}}}
	for i := 0; i+1 < len(m.Content); i += 2 {
		key := m.Content[i].Value
		if key == "include" || key == "exclude" {
			return nil, fmt.Errorf("strategy.matrix.%s is not supported by make ci-matrix (internal/cimatrix): list the values on the axes instead", key)
		}
		var values []any
		if err := m.Content[i+1].Decode(&values); err != nil {
			return nil, fmt.Errorf("strategy.matrix.%s: %w", key, err)
		}
		if len(values) == 0 {
			return nil, fmt.Errorf("strategy.matrix.%s has no values", key)
		}
		var next []Cell
		for _, c := range cells {
			for _, v := range values {
				name, err := valueName(key, v)
				if err != nil {
					return nil, err
				}
				mm := map[string]any{key: v}
				for k, x := range c.Matrix {
					mm[k] = x
				}
				id := name
				if c.ID != "" {
					id = c.ID + "/" + name
				}
				next = append(next, Cell{ID: id, Matrix: mm})
			}
		}
		cells = next
	}
	return cells, nil
}

func valueName(key string, v any) (string, error) {
	switch x := v.(type) {
	case map[string]any:
		name, ok := x["name"].(string)
		if !ok || name == "" {
			return "", fmt.Errorf("strategy.matrix.%s: an object value needs a name field to name its cells: %v", key, x)
		}
		return name, nil
	case []any:
		return "", fmt.Errorf("strategy.matrix.%s: a list as a value is not supported", key)
	default:
		return fmt.Sprint(x), nil
	}
}

// Select keeps the cells whose ID matches one of patterns (path.Match
// globs over the ID, e.g. "node/*/*" or "go@v1.0.4/fake/tcp"); no pattern
// keeps every cell. A pattern matching no cell is an error listing the IDs,
// so that a typo does not quietly run nothing.
func Select(cells []Cell, patterns []string) ([]Cell, error) {
	if len(patterns) == 0 {
		return cells, nil
	}
	var out []Cell
	used := map[string]bool{}
	for _, c := range cells {
		for _, p := range patterns {
			ok, err := path.Match(p, c.ID)
			if err != nil {
				return nil, fmt.Errorf("cell pattern %q: %w", p, err)
			}
			if ok {
				used[p] = true
				out = append(out, c)
				break
			}
		}
	}
	for _, p := range patterns {
		if !used[p] {
			ids := make([]string, len(cells))
			for i, c := range cells {
				ids[i] = c.ID
			}
			return nil, fmt.Errorf("cell pattern %q matches no cell; the cells are:\n  %s", p, strings.Join(ids, "\n  "))
		}
	}
	return out, nil
}

// Context is what ${{ }} expressions may read.
type Context struct {
	Matrix    map[string]any
	EventName string            // github.event_name
	Env       map[string]string // env.*
	Inputs    map[string]string // inputs.* of a reusable workflow
	Workspace string            // github.workspace
	PR        string            // github.event.pull_request.number
}

var expression = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// Expand replaces each ${{ ref }} in s by its value. Only plain references
// are supported (matrix.a.b, github.event_name, env.X): the rehearsed steps
// keep their logic in the suite's scripts, where it runs the same in both
// places. A missing property is empty, as GitHub makes it.
func Expand(s string, ctx Context) (string, error) {
	var firstErr error
	out := expression.ReplaceAllStringFunc(s, func(m string) string {
		ref := expression.FindStringSubmatch(m)[1]
		v, err := lookup(ref, ctx)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return v
	})
	return out, firstErr
}

var reference = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$`)

func lookup(ref string, ctx Context) (string, error) {
	if !reference.MatchString(ref) {
		return "", fmt.Errorf("${{ %s }}: make ci-matrix evaluates plain references only (matrix.*, github.event_name, env.*); move the logic into a script", ref)
	}
	parts := strings.Split(ref, ".")
	switch {
	case parts[0] == "matrix":
		var v any = ctx.Matrix
		for _, p := range parts[1:] {
			m, ok := v.(map[string]any)
			if !ok {
				return "", nil
			}
			v = m[p]
		}
		switch v.(type) {
		case nil:
			return "", nil
		case map[string]any, []any:
			return "", fmt.Errorf("${{ %s }} is an object, not a value", ref)
		}
		return fmt.Sprint(v), nil
	case ref == "github.event_name":
		return ctx.EventName, nil
	case ref == "github.workspace":
		return ctx.Workspace, nil
	case ref == "github.event.pull_request.number":
		return ctx.PR, nil
	case parts[0] == "inputs" && len(parts) == 2:
		v, ok := ctx.Inputs[parts[1]]
		if !ok {
			return "", fmt.Errorf("${{ %s }}: the workflow declares no such input", ref)
		}
		return v, nil
	case parts[0] == "env" && len(parts) == 2:
		return ctx.Env[parts[1]], nil
	}
	return "", fmt.Errorf("${{ %s }}: make ci-matrix knows matrix.*, inputs.*, env.*, github.event_name, github.workspace and github.event.pull_request.number only", ref)
}
