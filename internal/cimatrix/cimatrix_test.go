package cimatrix

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// repoRoot is the suite's checkout, two levels up from this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	return root
}

func TestTheWorkflowsMatrix(t *testing.T) {
	w, err := Load(filepath.Join(repoRoot(t), ".github", "workflows", "conformance.yml"))
	require.NoError(t, err)
	job, err := w.Job("cell")
	require.NoError(t, err)
	cells, err := job.Cells()
	require.NoError(t, err)
	ids := map[string]Cell{}
	for _, c := range cells {
		ids[c.ID] = c
	}
	require.Len(t, ids, len(cells), "cell ids are unique")
	// Every SDK on both runtimes and transports, and each generation-1
	// build (CONTRACT: released once per SDK, as 1.0.4).
	for _, id := range []string{
		"node/fake/tcp", "node/real/stdio", "python/fake/tcp", "go/real/tcp", "rust/fake/stdio", "java/fake/tcp", "dotnet/fake/tcp",
		"node@1.0.4/fake/tcp", "python@1.0.4/real/tcp", "go@v1.0.4/fake/stdio", "rust@1.0.4/fake/tcp", "java-source@1.0.4/real/stdio",
	} {
		assert.Contains(t, ids, id)
	}
	java := ids["java-source@1.0.4/fake/tcp"].Matrix["build"].(map[string]any)
	assert.Equal(t, "java/v1.0.4", java["source-ref"])

	// What the rehearsal runs: the cell's environment script and make
	// conformance; the merge's report check, dashboard and gate.
	var rehearsed []string
	for _, s := range job.Steps {
		if s.Rehearsed() {
			rehearsed = append(rehearsed, s.Run)
		}
	}
	assert.Equal(t, []string{"bash .github/ci/cell-env.sh", "make conformance"}, rehearsed)
	merge, err := w.Job("merge")
	require.NoError(t, err)
	rehearsed = nil
	for _, s := range merge.Steps {
		if s.Rehearsed() {
			rehearsed = append(rehearsed, s.Run)
		}
	}
	assert.Equal(t, []string{"make check-reports", "make dashboard", `go run ./internal/cmd/reports gate "$RESULTS"`}, rehearsed)
}

func TestSelect(t *testing.T) {
	cells := []Cell{{ID: "node/fake/tcp"}, {ID: "node/real/tcp"}, {ID: "go/fake/tcp"}}
	for _, tc := range []struct {
		patterns []string
		want     []string
		err      string
	}{
		{nil, []string{"node/fake/tcp", "node/real/tcp", "go/fake/tcp"}, ""},
		{[]string{"node/*/*"}, []string{"node/fake/tcp", "node/real/tcp"}, ""},
		{[]string{"*/fake/tcp"}, []string{"node/fake/tcp", "go/fake/tcp"}, ""},
		{[]string{"go/fake/tcp", "rust/*/*"}, nil, `"rust/*/*" matches no cell`},
	} {
		t.Run(strings.Join(tc.patterns, ","), func(t *testing.T) {
			got, err := Select(cells, tc.patterns)
			if tc.err != "" {
				assert.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			var ids []string
			for _, c := range got {
				ids = append(ids, c.ID)
			}
			assert.Equal(t, tc.want, ids)
		})
	}
}

func TestExpand(t *testing.T) {
	ctx := Context{Matrix: map[string]any{"runtime": "real", "build": map[string]any{"sdk": "go", "version": "v1.0.4"}},
		EventName: "schedule", Env: map[string]string{"RESULTS": "out"}}
	for _, tc := range []struct{ in, want, err string }{
		{"${{ matrix.runtime }}", "real", ""},
		{"${{matrix.build.version}}-x", "v1.0.4-x", ""},
		{"${{ matrix.build.source-ref }}", "", ""}, // missing: empty, as on GitHub
		{"${{ github.event_name }}", "schedule", ""},
		{"${{ env.RESULTS }}/", "out/", ""},
		{"${{ matrix.build }}", "", "an object"},
		{"${{ matrix.sdk == 'go' }}", "", "plain references only"},
		{"${{ secrets.TOKEN }}", "", "knows matrix.*"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := Expand(tc.in, ctx)
			if tc.err != "" {
				assert.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestCellsRefusesIncludeAndExclude(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "w.yml")
	require.NoError(t, os.WriteFile(file, []byte("jobs:\n  cell:\n    strategy:\n      matrix:\n        a: [1, 2]\n        include:\n          - a: 3\n"), 0o644))
	w, err := Load(file)
	require.NoError(t, err)
	_, err = w.Jobs["cell"].Cells()
	assert.ErrorContains(t, err, "include is not supported")
}

// A small workflow whose rehearsed steps pass values as the real one does:
// the job's env, matrix values in step env, $GITHUB_ENV between steps.
const fakeWorkflow = `
env:
  RESULTS: results
jobs:
  cell:
    env:
      LEVEL: job
    strategy:
      matrix:
        build:
          - {name: one, sdk: alpha}
          - {name: two, sdk: beta, version: "2.0"}
        runtime: [fake, real]
    steps:
      - uses: actions/checkout@v4
      - id: suite-env
        run: |
          echo "SDK=${BUILD_SDK}" >> "$GITHUB_ENV"
          printf 'NOTE<<EOF\nline 1\nline 2\nEOF\n' >> "$GITHUB_ENV"
        env:
          BUILD_SDK: ${{ matrix.build.sdk }}
      - name: not rehearsed
        run: exit 1
      - id: suite-run
        run: |
          mkdir -p "$RESULTS/$SDK-$RUNTIME"
          printf '%s|%s|%s|%s|%s\n' "$SDK" "$VERSION" "$LEVEL" "$NOTE" "${MAKEFLAGS:-none}" > "$RESULTS/$SDK-$RUNTIME/out.txt"
          echo '{}' > "$RESULTS/$SDK-$RUNTIME/verdict.json"
          [ "$SDK" != beta ] || [ "$RUNTIME" != real ] || { echo "beta fails on real" >&2; exit 3; }
        env:
          RUNTIME: ${{ matrix.runtime }}
          VERSION: ${{ matrix.build.version }}
  merge:
    steps:
      - id: suite-list
        run: ls "$RESULTS" > "$RESULTS/../listing.txt"
`

func TestRehearsal(t *testing.T) {
	root := t.TempDir()
	file := filepath.Join(root, "w.yml")
	require.NoError(t, os.WriteFile(file, []byte(fakeWorkflow), 0o644))
	t.Setenv("MAKEFLAGS", "SDK=leaked") // make ci-matrix SDK=x must not reach the steps' make
	var out bytes.Buffer
	out2 := filepath.Join(root, "results", "ci-matrix")
	res, err := Rehearsal{Workflow: file, CellJob: "cell", MergeJob: "merge", Root: root, Out: out2, Event: "push", Output: &out}.Run(context.Background())
	require.NoError(t, err, out.String())

	require.Len(t, res.Cells, 4)
	byID := map[string]CellResult{}
	for _, c := range res.Cells {
		byID[c.Cell.ID] = c
	}
	assert.NoError(t, byID["one/fake"].Err)
	assert.ErrorContains(t, byID["two/real"].Err, "step suite-run")
	assert.False(t, res.OK())
	assert.Equal(t, []string{"alpha-fake"}, byID["one/fake"].Labels, "a cell's artifact holds only what it wrote")

	got, err := os.ReadFile(filepath.Join(out2, "cells", "results-two-fake", "beta-fake", "out.txt"))
	require.NoError(t, err)
	assert.Equal(t, "beta|2.0|job|line 1\nline 2|none\n", string(got))

	require.NoError(t, res.MergeErr)
	listing, err := os.ReadFile(filepath.Join(out2, "listing.txt"))
	require.NoError(t, err)
	assert.Equal(t, "alpha-fake\nalpha-real\nbeta-fake\nbeta-real\n", string(listing), "the merge job sees every cell's folders side by side")

	var summary bytes.Buffer
	res.Summary(&summary, out2)
	assert.Contains(t, summary.String(), "two/real")
	assert.Contains(t, summary.String(), "FAILED")
}

// Two cells writing the same run folder would overwrite each other in the
// merged download: the rehearsal says so.
func TestRehearsalFindsCollidingLabels(t *testing.T) {
	root := t.TempDir()
	file := filepath.Join(root, "w.yml")
	wf := strings.ReplaceAll(fakeWorkflow, `"$RESULTS/$SDK-$RUNTIME`, `"$RESULTS/$SDK`)
	wf = strings.ReplaceAll(wf, `[ "$SDK" != beta ] || [ "$RUNTIME" != real ] || { echo "beta fails on real" >&2; exit 3; }`, "sleep 0.01")
	require.NoError(t, os.WriteFile(file, []byte(wf), 0o644))
	var out bytes.Buffer
	res, err := Rehearsal{Workflow: file, CellJob: "cell", MergeJob: "merge", Root: root, Out: filepath.Join(root, "results", "ci-matrix"),
		Cells: []string{"one/*"}, Event: "push", Output: &out}.Run(context.Background())
	require.NoError(t, err, out.String())
	assert.ErrorContains(t, res.MergeErr, "cells one/fake and one/real both wrote alpha/")
}

// actionlint, pinned in go.mod, accepts every workflow of the repository
// and rejects a broken copy: what make lint-workflows relies on.
func TestActionlint(t *testing.T) {
	root := repoRoot(t)
	actionlint := func(t *testing.T, files ...string) (string, error) {
		cmd := exec.Command("go", append([]string{"tool", "actionlint", "-no-color"}, files...)...)
		cmd.Dir = root
		b, err := cmd.CombinedOutput()
		return string(b), err
	}
	_, err := exec.LookPath("shellcheck")
	require.NoError(t, err, "shellcheck not found: actionlint checks the workflows' scripts with it (Debian: apt-get install shellcheck)")
	workflows, err := filepath.Glob(filepath.Join(root, ".github", "workflows", "*.yml"))
	require.NoError(t, err)
	require.NotEmpty(t, workflows)
	out, err := actionlint(t, workflows...)
	require.NoError(t, err, "actionlint on the repository's workflows:\n%s", out)

	original, err := os.ReadFile(filepath.Join(root, ".github", "workflows", "conformance.yml"))
	require.NoError(t, err)
	for _, tc := range []struct{ name, old, new, says string }{
		{"a matrix property that does not exist", "${{ matrix.build.sdk }}", "${{ matrix.bulid.sdk }}", "bulid"},
		{"a job that needs a job that does not exist", "needs: cell", "needs: cells", "cells"},
		{"an input the action does not have", "go-version-file: go.mod", "go-version-fil: go.mod", "go-version-fil"},
		{"a step with both run and uses", "      - id: suite-conformance\n", "      - id: suite-conformance\n        uses: actions/checkout@v4\n", "uses"},
		// Through shellcheck, which make lint-workflows requires.
		{"a shell script that does not parse", "run: make conformance", "run: if [ -f go.mod ] then make conformance; fi", "shellcheck"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			broken := strings.Replace(string(original), tc.old, tc.new, 1)
			require.NotEqual(t, string(original), broken, "the break applies")
			dir := filepath.Join(t.TempDir(), ".github", "workflows")
			require.NoError(t, os.MkdirAll(dir, 0o755))
			file := filepath.Join(dir, "conformance.yml")
			require.NoError(t, os.WriteFile(file, []byte(broken), 0o644))
			out, err := actionlint(t, file)
			require.Error(t, err, "actionlint must fail on %s", tc.name)
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit)
			assert.Equal(t, 1, exit.ExitCode(), "exit 1 is 'problems found', not a crash:\n%s", out)
			assert.Contains(t, out, tc.says)
		})
	}
}

// actionlintBinary builds the pinned actionlint, to run it where go.mod is
// not: actionlint finds a workflow's project (and the local reusable
// workflows it calls) from the working directory.
func actionlintBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "actionlint")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/rhysd/actionlint/cmd/actionlint")
	cmd.Dir = repoRoot(t)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "building actionlint: %s", out)
	return bin
}

// lintCaller lints a workflow that calls the reusable workflow, in a
// project of its own holding both.
func lintCaller(t *testing.T, actionlint string, reusable []byte, caller string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	wf := filepath.Join(dir, ".github", "workflows")
	require.NoError(t, os.MkdirAll(wf, 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, ".git"), 0o755)) // marks the project's root for actionlint
	require.NoError(t, os.WriteFile(filepath.Join(wf, "sdk-conformance.yml"), reusable, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(wf, "caller.yml"), []byte(caller), 0o644))
	cmd := exec.Command(actionlint, "-no-color", filepath.Join(".github", "workflows", "caller.yml"))
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// The copy-paste examples for SDK repositories, in the README's section and
// in docs/sdk-ci.md (one per SDK), each checked by actionlint against the
// reusable workflow they call (its inputs, their types, the required
// ones), so the documents cannot drift from the workflow.
func TestReadmeExamplesCallTheReusableWorkflowRight(t *testing.T) {
	root := repoRoot(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(readme), "## Use it in your SDK's CI\n")
	require.True(t, ok, "README has the section")
	section, _, _ = strings.Cut(section, "\n## ")
	require.Contains(t, section, "```yaml\n", "README's section shows an example")
	docs := map[string]string{"README.md": section}
	// The full guide, with an example per SDK, is written apart
	// (docs/sdk-ci.md); until it exists only the README's are checked.
	guide, err := os.ReadFile(filepath.Join(root, "docs", "sdk-ci.md"))
	if err == nil {
		docs["docs/sdk-ci.md"] = string(guide)
	} else {
		t.Logf("docs/sdk-ci.md: %v; checking the README's examples only", err)
	}
	reusable, err := os.ReadFile(filepath.Join(root, ".github", "workflows", "sdk-conformance.yml"))
	require.NoError(t, err)
	actionlint := actionlintBinary(t)

	// The examples pin the suite's version (VERSION), which exists.
	versionFile, err := os.ReadFile(filepath.Join(root, "VERSION"))
	require.NoError(t, err)
	version := "v" + strings.TrimSpace(string(versionFile))
	remote := "OWNER/bearer-token-conformance/.github/workflows/sdk-conformance.yml@" + version
	const local = "./.github/workflows/sdk-conformance.yml"
	sdks := map[string]bool{}
	var first string
	for doc, text := range docs {
		for _, b := range strings.Split(text, "```yaml\n")[1:] {
			example, _, _ := strings.Cut(b, "```")
			if !strings.Contains(example, "sdk-conformance.yml") {
				continue // another YAML snippet, not a caller
			}
			require.Contains(t, example, remote, doc)
			for _, line := range strings.Split(example, "\n") {
				if v, ok := strings.CutPrefix(strings.TrimSpace(line), "sdk: "); ok {
					sdks[v] = true
				}
			}
			caller := strings.ReplaceAll(example, remote, local)
			assert.Contains(t, example, "suite-ref: "+version, "%s: suite-ref is the version in uses:", doc)
			if first == "" && strings.Contains(caller, "suite-ref: "+version) {
				first = caller
			}
			out, err := lintCaller(t, actionlint, reusable, caller)
			assert.NoError(t, err, "%s example:\n%s\nactionlint:\n%s", doc, example, out)
		}
	}
	if _, ok := docs["docs/sdk-ci.md"]; ok {
		assert.Equal(t, map[string]bool{"node": true, "python": true, "go": true, "dotnet": true, "rust": true, "java": true}, sdks, "one example per SDK")
	}

	// The check has teeth: a caller without a required input fails it.
	broken := strings.Replace(first, "suite-ref: "+version, "", 1)
	require.NotEqual(t, first, broken)
	out, err := lintCaller(t, actionlint, reusable, broken)
	require.Error(t, err)
	assert.Contains(t, out, `input "suite-ref" is required`)
}
