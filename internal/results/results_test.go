package results

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

// A record says which suite commit made it: the checkout's HEAD, or
// "unknown" outside a checkout; a commit set by the caller stays.
func TestWriteRecordsTheSuiteCommit(t *testing.T) {
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skip("not in a git checkout")
	}
	for _, tc := range []struct {
		name, dir, given, want string
	}{
		{"outside a checkout", t.TempDir(), "", "unknown"},
		{"given", t.TempDir(), "abc", "abc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, Run{Label: "go", SDK: "go", SuiteCommit: tc.given}.Write(tc.dir))
			r, err := Load(tc.dir)
			require.NoError(t, err)
			assert.Equal(t, tc.want, r.SuiteCommit)
		})
	}
	inside, err := os.MkdirTemp(".", "run-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(inside) })
	require.NoError(t, Run{Label: "go", SDK: "go"}.Write(inside))
	r, err := Load(inside)
	require.NoError(t, err)
	assert.Equal(t, strings.TrimSpace(string(head)), r.SuiteCommit)
}
