package suite

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The count covers what godog runs: feature files in subdirectories too
// (features/tentative/), and each row of an outline.
func TestCountScenariosReadsSubdirectories(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	write("a.feature", "Feature: a\n  Scenario: one\n    Given x\n")
	write("tentative/b.feature", "Feature: b\n  Rule: r\n    Scenario Outline: <n>\n      Given x\n      Examples:\n        | n |\n        | 1 |\n        | 2 |\n")
	write("notes.md", "not a feature")
	assert.Equal(t, 3, countScenarios(dir))
}
