package results

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/expectations"
)

func TestWriteAndLoadAll(t *testing.T) {
	dir := t.TempDir()
	for _, label := range []string{"node@1.0.4", "go"} {
		sub := filepath.Join(dir, label)
		require.NoError(t, os.MkdirAll(sub, 0o755))
		require.NoError(t, Run{Label: label, SDK: "x", OK: true, Verdict: expectations.Verdict{
			Passed: []expectations.Judged{{Result: expectations.Result{Scenario: "s", Status: expectations.Passed}}},
		}}.Write(sub))
	}
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "not-a-run"), 0o755))
	runs, err := LoadAll(dir)
	require.NoError(t, err)
	require.Len(t, runs, 2)
	assert.Equal(t, "go", runs[0].Label)
	assert.Equal(t, "s", runs[1].Verdict.Passed[0].Scenario)
}

func TestLoadAllErrors(t *testing.T) {
	_, err := LoadAll(t.TempDir())
	assert.ErrorContains(t, err, "run make conformance first")

	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "bad"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bad", FileName), []byte("{"), 0o644))
	_, err = LoadAll(dir)
	assert.ErrorContains(t, err, filepath.Join("bad", FileName))
}
