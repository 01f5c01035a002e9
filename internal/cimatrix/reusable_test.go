package cimatrix

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// As GitHub runs a job: after a failed step only if: always() steps run;
// continue-on-error does not fail the job; inputs and the workspace reach
// the steps; an undeclared or missing required input is refused.
func TestCallerRehearsalRunsTheJobAsGitHubDoes(t *testing.T) {
	dir := t.TempDir()
	wf := filepath.Join(dir, "wf.yml")
	require.NoError(t, os.WriteFile(wf, []byte(`
on:
  workflow_call:
    inputs:
      name: {type: string, required: true}
      mode: {type: string, default: notice}
jobs:
  j:
    steps:
      - id: suite-soft
        run: echo "soft $MODE"; exit 3
        env: {MODE: "${{ inputs.mode }}"}
        continue-on-error: true
      - id: suite-hard
        run: echo "hard ${{ inputs.name }} in ${{ github.workspace }} for ${{ github.event.pull_request.number }}"; exit 4
      - id: suite-skipped
        run: echo never
      - id: suite-always
        if: always()
        run: echo always
`), 0o644))
	root := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, "go.mod"), []byte("module x\n"), 0o644))
	ws := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(ws, "sdk"), 0o755))
	var out bytes.Buffer
	c := CallerRehearsal{Workflow: wf, Job: "j", Root: root, Workspace: ws, PR: "7", Output: &out, Inputs: map[string]string{"name": "python"}}
	err := c.Run(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "step suite-hard")
	assert.NotContains(t, err.Error(), "suite-soft", "continue-on-error does not fail the job")
	assert.Contains(t, out.String(), "soft notice", "an input's default")
	assert.Contains(t, out.String(), "hard python in "+ws+" for 7")
	assert.NotContains(t, out.String(), "never")
	assert.Contains(t, out.String(), "always")
	assert.FileExists(t, filepath.Join(ws, "suite", "go.mod"), "suite/ is the suite's checkout")
	assert.DirExists(t, filepath.Join(ws, "suite", "results"))

	c.Inputs = map[string]string{"name": "x", "nope": "y"}
	assert.ErrorContains(t, c.Run(context.Background()), `input "nope"`)
	c.Inputs = nil
	assert.ErrorContains(t, c.Run(context.Background()), `input "name" is required`)
}
