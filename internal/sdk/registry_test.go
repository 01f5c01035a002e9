package sdk

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The files every SDK has in the checkout, by the name an entry's Exempt
// uses for them.
var sdkFiles = map[string]string{
	"driver":       "drivers/%s",
	"dockerfile":   "docker/%s.Dockerfile",
	"expectations": "expectations/%s.yaml",
	"mutants":      "mutants/%s.yaml",
}

// TestEveryRegisteredSDKHasItsFiles is the completeness check of the
// registry: adding an SDK is its entry here plus these files
// (docs/adding-an-sdk.md), and an SDK that lacks one on purpose says why.
func TestEveryRegisteredSDKHasItsFiles(t *testing.T) {
	root := filepath.Join("..", "..")
	for _, s := range Ordered() {
		for kind, pattern := range sdkFiles {
			path := filepath.Join(root, strings.ReplaceAll(pattern, "%s", s.Name))
			_, err := os.Stat(path)
			if why, exempt := s.Exempt[kind]; exempt {
				assert.NotEmpty(t, why, "%s: the exemption from %s says why", s.Name, kind)
				assert.Error(t, err, "%s: exempt from %s (%s), yet %s exists: drop the exemption", s.Name, kind, why, path)
				continue
			}
			assert.NoError(t, err, "%s: every registered SDK has %s (or an Exempt entry saying why not)", s.Name, path)
		}
		for kind := range s.Exempt {
			assert.Contains(t, sdkFiles, kind, "%s: Exempt names an unknown file kind", s.Name)
		}
		assert.Equal(t, s.PinnedSource == nil, s.Exempt["mutants"] != "", "%s: an SDK with mutants says where its pinned release's sources are", s.Name)
		assert.NotEmpty(t, s.Registry.Kind, "%s: its registry", s.Name)
		assert.NotEmpty(t, s.Registry.Package, "%s: its package", s.Name)
		assert.NotEmpty(t, s.TagPrefix, "%s: its release tags' prefix", s.Name)
		assert.True(t, s.Registry.Lists || len(s.ReleaseTags) > 0, "%s: a registry that does not list versions needs ReleaseTags", s.Name)
	}
	// And every driver folder is registered: nothing half-added.
	dirs, err := os.ReadDir(filepath.Join(root, "drivers"))
	require.NoError(t, err)
	for _, d := range dirs {
		if d.IsDir() {
			_, err := Lookup(d.Name())
			assert.NoError(t, err, "drivers/%s has no entry in internal/sdk", d.Name())
		}
	}
}

func TestColumnsAreDistinct(t *testing.T) {
	seen := map[int]string{}
	for _, s := range Ordered() {
		assert.Empty(t, seen[s.Column], "%s and %s share dashboard column %d", s.Name, seen[s.Column], s.Column)
		seen[s.Column] = s.Name
	}
}

// TestNothingOutsideSwitchesOnSDKNames keeps every fact about an SDK in
// its entry: no Go file outside internal/sdk switches on an SDK's name
// (case "node":) or keys a map by it ("node": ...), and no CI script does
// (node) in a case).
func TestNothingOutsideSwitchesOnSDKNames(t *testing.T) {
	root := filepath.Join("..", "..")
	names := strings.Join(Names(), "|")
	goSwitch := regexp.MustCompile(`case\s+"(` + names + `)"|(?m)^\s*"(` + names + `)"\s*:|if [a-zA-Z.]+\s*==\s*"(` + names + `)"`)
	shSwitch := regexp.MustCompile(`(?m)^\s*(` + names + `)\)`)
	var offenders []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			switch rel {
			case ".git", ".cache", "results", "internal/sdk", "drivers":
				return filepath.SkipDir
			}
			if d.Name() == "node_modules" || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		var re *regexp.Regexp
		switch {
		case strings.HasSuffix(path, "_test.go"):
			return nil // tests name SDKs as data
		case strings.HasSuffix(path, ".go"):
			re = goSwitch
		case strings.HasSuffix(path, ".sh"):
			re = shSwitch
		default:
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllString(string(b), -1) {
			offenders = append(offenders, rel+": "+strings.TrimSpace(m))
		}
		return nil
	})
	require.NoError(t, err)
	assert.Empty(t, offenders, "facts about one SDK belong in its entry in internal/sdk")
}
