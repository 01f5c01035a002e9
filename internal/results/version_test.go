package results

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The docs' workflow examples pin a version that exists: VERSION's, which
// CHANGELOG.md records.
func TestTheDocsPinTheSuitesVersion(t *testing.T) {
	root := filepath.Join("..", "..")
	version := ReadSuiteVersion(root)
	require.Regexp(t, `^\d+\.\d+\.\d+$`, version, "VERSION is a semver release")
	changelog, err := os.ReadFile(filepath.Join(root, "CHANGELOG.md"))
	require.NoError(t, err)
	assert.Contains(t, string(changelog), "## "+version+" ", "CHANGELOG.md has the version's section")

	pin := regexp.MustCompile(`(?:sdk-conformance\.yml@|suite-ref: )v?([0-9][0-9A-Za-z.+-]*)`)
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	require.NoError(t, err)
	files = append(files, filepath.Join(root, "README.md"))
	found := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range pin.FindAllStringSubmatch(string(b), -1) {
			found++
			assert.Equal(t, version, m[1], "%s pins %s", f, m[0])
		}
	}
	assert.GreaterOrEqual(t, found, 2, "docs/sdk-ci.md's example pins the workflow and suite-ref")
}
