package sdk

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// SDK_SOURCE for Python is installed by pip, or, for a bare package
// directory, linked in place of the SDK; anything else is refused up front.
func TestPythonSourceKinds(t *testing.T) {
	dir := t.TempDir()
	file := func(path string) string {
		path = filepath.Join(dir, path)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, nil, 0o644))
		return path
	}
	wheel := file("github_copilot_sdk-1.0.27-py3-none-any.whl")
	checkout := filepath.Dir(file("copilot-sdk/python/pyproject.toml"))
	file("copilot-sdk/python/copilot/__init__.py")
	bare := filepath.Dir(file("site-packages-copy/__init__.py"))

	for path, want := range map[string]bool{wheel: false, checkout: false, bare: true} {
		got, err := pythonSourceIsBare(path)
		require.NoError(t, err, path)
		assert.Equal(t, want, got, path)
	}
	_, err := pythonSourceIsBare(filepath.Join(dir, "copilot-sdk"))
	assert.ErrorContains(t, err, "the SDK repository's python/")
	_, err = pythonSourceIsBare(filepath.Join(dir, "missing"))
	assert.Error(t, err)
}
