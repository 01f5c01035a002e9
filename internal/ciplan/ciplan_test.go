package ciplan

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/cimatrix"
)

var root = filepath.Join("..", "..")

// TestWorkflowAgreesWithThePlan: the conformance workflow's matrix is the
// plan's, build for build and axis for axis; edit ci/plan.yaml and the
// workflow together.
func TestWorkflowAgreesWithThePlan(t *testing.T) {
	p, err := Load(filepath.Join(root, "ci", "plan.yaml"))
	require.NoError(t, err)
	w, err := cimatrix.Load(filepath.Join(root, ".github", "workflows", "conformance.yml"))
	require.NoError(t, err)
	job, err := w.Job("cell")
	require.NoError(t, err)
	var axes struct {
		Build     []WorkflowBuild `yaml:"build"`
		Runtime   []string        `yaml:"runtime"`
		Transport []string        `yaml:"transport"`
	}
	require.NoError(t, job.Strategy.Matrix.Decode(&axes))
	assert.ElementsMatch(t, p.WorkflowBuilds(), axes.Build, "the workflow's build axis (jobs.cell.strategy.matrix.build) and ci/plan.yaml's builds")
	assert.Equal(t, p.Workflow.Runtimes, axes.Runtime, "the workflow's runtime axis and ci/plan.yaml's workflow.runtimes")
	assert.Equal(t, p.Workflow.Transports, axes.Transport, "the workflow's transport axis and ci/plan.yaml's workflow.transports")
}

func TestMakeVarsAreMakeTestsLists(t *testing.T) {
	p, err := Load(filepath.Join(root, "ci", "plan.yaml"))
	require.NoError(t, err)
	dir := t.TempDir() // no archives here: the source builds are left out, and named
	vars, err := p.MakeVars(dir)
	require.NoError(t, err)
	got := map[string]string{}
	for _, v := range vars {
		assert.NotContains(t, v.Value, " ", v.Name)
		got[v.Name] = v.Value
	}
	assert.Equal(t, "rust,node,go,python", got["TEST_GEN2_ENTRIES"])
	assert.Equal(t, "rust@1.0.4,node@1.0.4,python@1.0.4,go@v1.0.4", got["TEST_GEN1_ENTRIES"])
	assert.Equal(t, "fake,real", got["TEST_GEN2_RUNTIMES"])
	assert.Equal(t, "rust,node,go,python,rust@1.0.4,node@1.0.4,python@1.0.4,go@v1.0.4", got["TEST_LABELS"])
	assert.Contains(t, got["TEST_MISSING_ARCHIVES"], "copilot-sdk-java-1.0.11.tar.gz")
	assert.Equal(t, "node=2,python=2,java=5", got["TEST_MUTANT_PARTS"])
	assert.Equal(t, "java+"+filepath.Join(dir, "../shared/sdk-sources/copilot-sdk-java-1.0.11.tar.gz"), got["TEST_CONTAINER_SOURCES"])
}

func TestLoadRefusesABadPlan(t *testing.T) {
	for name, text := range map[string]string{
		"unknown field": "archives: x\nrunz: {}\n",
		"unknown SDK":   "runs:\n  gen2: {builds: [cobol]}\n  gen1: {builds: [node]}\n",
		"source build":  "runs:\n  gen2: {builds: [java+x.tar.gz]}\n  gen1: {builds: [node]}\n",
		"bad runtime":   "runs:\n  gen2: {builds: [node], runtimes: [fake, rael]}\n  gen1: {builds: [node]}\n",
		"missing gen1":  "runs:\n  gen2: {builds: [node]}\n  gen3: {builds: [node]}\n",
	} {
		file := filepath.Join(t.TempDir(), "plan.yaml")
		require.NoError(t, writeFile(file, text))
		_, err := Load(file)
		assert.Error(t, err, name)
	}
}

func writeFile(path, text string) error { return os.WriteFile(path, []byte(text), 0o644) }
