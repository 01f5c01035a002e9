package suite

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/driver"
	"conformance/internal/reports"
	"conformance/internal/results"
	"conformance/internal/sdk"
)

// A build whose driver fails its hello ends in an error verdict naming
// the step and the driver's own message, with a JUnit error case and a
// cucumber.json the schemas accept, and the gate fails on it.
func TestADriverThatFailsHelloLeavesAnErrorVerdict(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	before := prepareDriver
	t.Cleanup(func() { prepareDriver = before })
	prepareDriver = func(context.Context, sdk.SDK, sdk.Options) (driver.Command, error) {
		return driver.Command{Path: "sh", Args: []string{"-c", "echo 'driver: cannot import copilot: ModuleNotFoundError' >&2; exit 3"}}, nil
	}
	resultsDir := filepath.Join(t.TempDir(), "results")
	dir := filepath.Join(resultsDir, "python")
	var out bytes.Buffer
	report, err := Run(context.Background(), Config{SDK: "python", Root: root, ResultsDir: dir, Output: &out, Tags: "@BT-1"})
	require.Error(t, err)
	assert.Nil(t, report)
	var se *StepError
	require.True(t, errors.As(err, &se), "%v", err)
	assert.Equal(t, StepHello, se.Step)

	rec, err := results.Load(dir)
	require.NoError(t, err)
	assert.Equal(t, results.StatusError, rec.Status)
	assert.False(t, rec.OK)
	require.NotNil(t, rec.Error)
	assert.Equal(t, StepHello, rec.Error.Step)
	assert.Contains(t, rec.Error.Message, "ModuleNotFoundError", "the driver's own message")
	assert.Equal(t, results.ReadSuiteVersion(root), rec.Suite.Version)
	assert.Contains(t, rec.Suite.Rules.IDs, "BT-1")
	assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, rec.Suite.Rules.Digest)

	n, err := reports.CheckAll(resultsDir)
	require.NoError(t, err, "verdict.json, junit.xml and cucumber.json valid against their schemas")
	assert.Equal(t, 1, n)
	junit, err := os.ReadFile(filepath.Join(dir, reports.JUnitFile))
	require.NoError(t, err)
	assert.Contains(t, string(junit), `<error message="did not run: driver hello:`)

	runs, err := results.LoadAll(resultsDir)
	require.NoError(t, err)
	var gate bytes.Buffer
	assert.False(t, reports.Gate(&gate, runs, reports.Asked{}), "the gate fails on an error verdict")
	assert.Contains(t, gate.String(), "ERROR    python: did not run: driver hello")
}
