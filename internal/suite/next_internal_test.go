package suite

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/driver"
	"conformance/internal/reports"
	"conformance/internal/results"
	"conformance/internal/sdk"
	"conformance/internal/versions"
)

// stubNext stands in for the registries.
type stubNext struct {
	sdks    map[string]versions.Next
	runtime versions.Next
	err     error
}

func (s stubNext) SDK(_ context.Context, name string) (versions.Next, error) {
	return s.sdks[name], s.err
}

func (s stubNext) Runtime(context.Context, string) (versions.Next, error) { return s.runtime, s.err }

func withNext(t *testing.T, s stubNext) {
	before := nextResolver
	t.Cleanup(func() { nextResolver = before })
	nextResolver = s
}

// A build of the next channel installs the version resolved, keeps "next"
// in its label, and its record and output name the version and where it
// was read.
func TestANextBuildInstallsAndRecordsTheVersionResolved(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	withNext(t, stubNext{sdks: map[string]versions.Next{"node": {Version: "1.0.15-preview.4", Latest: "1.0.14", From: "npm @github/copilot-sdk"}}})
	before := prepareDriver
	t.Cleanup(func() { prepareDriver = before })
	var installed string
	prepareDriver = func(_ context.Context, _ sdk.SDK, o sdk.Options) (driver.Command, error) {
		installed = o.Version
		return driver.Command{Path: "sh", Args: []string{"-c", "exit 3"}}, nil // stops the run at its hello
	}
	cfg := Config{SDK: "node", Version: "next", Root: root, Tags: "@BT-1"}
	assert.Equal(t, "node@next", cfg.Label())
	cfg.ResultsDir = filepath.Join(t.TempDir(), cfg.Label())
	var out bytes.Buffer
	cfg.Output = &out
	_, err = Run(context.Background(), cfg)
	require.Error(t, err)
	assert.Equal(t, "1.0.15-preview.4", installed)
	assert.Contains(t, out.String(), "node@next: node@next resolved to 1.0.15-preview.4 (npm @github/copilot-sdk; newest release 1.0.14)")
	rec, err := results.Load(cfg.ResultsDir)
	require.NoError(t, err)
	assert.Equal(t, "next", rec.RequestedVersion)
	require.NotNil(t, rec.Next)
	assert.Equal(t, &results.Resolved{Version: "1.0.15-preview.4", Latest: "1.0.14", From: "npm @github/copilot-sdk"}, rec.Next.SDK)
	assert.Equal(t, results.NextChannel, rec.Channel())
	_, err = reports.CheckAll(filepath.Dir(cfg.ResultsDir))
	assert.NoError(t, err, "the record is valid against its schema")
}

// Java's Maven registry here serves only a version before the callback:
// the build is recorded as not run, naming the version and why.
func TestANextVersionBeforeTheCallbackIsRecordedAsNotRun(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	withNext(t, stubNext{sdks: map[string]versions.Next{"java": {Version: "0.3.0-java.2", Latest: "", From: "Maven com.github:copilot-sdk-java"}}})
	dir := filepath.Join(t.TempDir(), "java@next")
	_, err = Run(context.Background(), Config{SDK: "java", Version: "next", Root: root, ResultsDir: dir, Output: &bytes.Buffer{}})
	require.ErrorIs(t, err, sdk.ErrNotRunnableHere)
	rec, err := results.Load(dir)
	require.NoError(t, err)
	assert.Equal(t, results.StatusNotRun, rec.Status)
	assert.Contains(t, rec.NotRun, "java@next resolved to 0.3.0-java.2 (Maven com.github:copilot-sdk-java), which predates the bearer-token callback")
	require.NotNil(t, rec.Next)
	assert.Equal(t, "0.3.0-java.2", rec.Next.SDK.Version)
}

// A registry that cannot be asked ends the run in an error verdict at the
// step "next channel"; RUNTIME_VERSION=next gets its own label.
func TestANextChannelThatCannotBeResolvedIsAnErrorVerdict(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	withNext(t, stubNext{err: errors.New("RUNTIME_VERSION=next: GET http://127.0.0.1/x: 503 Service Unavailable")})
	cfg := Config{SDK: "node", Root: root, Runtime: RuntimeReal, RuntimeVersion: "next", Output: &bytes.Buffer{}}
	assert.Equal(t, "node.real-runtime@next", cfg.Label())
	cfg.ResultsDir = filepath.Join(t.TempDir(), cfg.Label())
	before := prepareDriver
	t.Cleanup(func() { prepareDriver = before })
	prepareDriver = func(context.Context, sdk.SDK, sdk.Options) (driver.Command, error) {
		t.Fatal("the driver was prepared before the runtime's version was known")
		return driver.Command{}, nil
	}
	_, err = Run(context.Background(), cfg)
	var se *StepError
	require.True(t, errors.As(err, &se), "%v", err)
	assert.Equal(t, StepNext, se.Step)
	rec, err := results.Load(cfg.ResultsDir)
	require.NoError(t, err)
	require.NotNil(t, rec.Error)
	assert.Contains(t, rec.Error.Message, "503 Service Unavailable")
	assert.Equal(t, results.NextChannel, rec.Channel())
}

func TestPredatesCallback(t *testing.T) {
	for v, want := range map[string]bool{"0.3.0-java.2": true, "1.0.2": true, "v1.0.4": false, "1.0.15-preview.4": false,
		"1.0.28rc2": false, "2.0.0": false, "0.9.9": true, "not-a-version": false} {
		assert.Equal(t, want, predatesCallback(v), v)
	}
}
