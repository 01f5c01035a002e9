package expectations

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A pull request's build (a later build of a release) is ordered after the
// release and before the next one.
func TestLaterBuildOrdering(t *testing.T) {
	upTo17, err := ParseVersions(">=1.0.4 <1.0.18")
	require.NoError(t, err)
	assert.True(t, upTo17.Contains("1.0.17+pr.123"), "a build after 1.0.17 is before 1.0.18")
	assert.False(t, upTo17.Contains("1.0.18+pr.123"), "a build after 1.0.18 is not before 1.0.18")
	atMost17, _ := ParseVersions("<=1.0.17")
	assert.True(t, atMost17.Contains("1.0.17"))
	assert.False(t, atMost17.Contains("1.0.17+pr.123"), "a later build is after its release")
	assert.False(t, atMost17.Contains("1.0.17+g1a2b3c4"))
	exact, _ := ParseVersions("1.0.17")
	assert.False(t, exact.Contains("1.0.17+pr.1"))
	from18, _ := ParseVersions(">=1.0.18")
	assert.False(t, from18.Contains("1.0.17+pr.1"))
	assert.True(t, from18.Contains("1.0.18+pr.1"))
	beta, _ := ParseVersions("<1.0.18-beta.1")
	assert.True(t, beta.Contains("1.0.17+pr.1"), "before the next version's prereleases too")
	assert.True(t, IsLaterBuild("1.0.27+pr.123"))
	assert.False(t, IsLaterBuild("1.0.27"))
	assert.False(t, IsLaterBuild("1.0.28-beta+pr.1"))
}

func TestExcluding(t *testing.T) {
	for _, tc := range []struct {
		versions, build, want string
		none                  bool
	}{
		{">=1.0.4 <1.0.18", "1.0.17+pr.5", ">=1.0.4 <=1.0.17", false},
		{"all", "1.0.27+pr.5", "<=1.0.27", false},
		{"all", "1.0.28", "<1.0.28", false},
		{">=1.0.4 <1.0.18", "1.0.10", ">=1.0.4 <1.0.10", false},
		{">1.0.17", "1.0.17+pr.5", "", true},
		{"1.0.9", "1.0.9", "", true},
	} {
		v, err := ParseVersions(tc.versions)
		require.NoError(t, err)
		require.True(t, v.Contains(tc.build), "%s covers %s", tc.versions, tc.build)
		n, none, err := v.Excluding(tc.build)
		require.NoError(t, err)
		assert.Equal(t, tc.none, none, tc.versions)
		if !tc.none {
			assert.Equal(t, tc.want, n.Written())
			assert.False(t, n.Contains(tc.build), "%s no longer covers %s", n.Written(), tc.build)
		}
	}
	list, _ := ParseVersions("1.0.4", "1.0.9")
	n, none, err := list.Excluding("1.0.9")
	require.NoError(t, err)
	assert.False(t, none)
	assert.Equal(t, "1.0.4", n.Written())
}

// The improvement of python's BT-8 entry by a pull request on 1.0.17: the
// diff narrows its versions to exclude the build, and git apply takes it.
func TestImprovementDiff(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "expectations", "python.yaml"))
	require.NoError(t, err)
	f, err := Parse("expectations/python.yaml", data)
	require.NoError(t, err)
	var bt8 KnownFailure
	for _, k := range f.KnownFailures {
		if k.Versions.Contains("1.0.17+pr.1") {
			bt8 = k
		}
	}
	require.NotEmpty(t, bt8.Scenario, "python.yaml has an entry covering 1.0.17")

	diff, err := ImprovementDiff("expectations/python.yaml", data, []KnownFailure{bt8}, "1.0.17+pr.1", true)
	require.NoError(t, err)
	assert.Contains(t, diff, "--- a/expectations/python.yaml")
	assert.Contains(t, diff, "-    versions: \">=1.0.4 <1.0.18\"")
	assert.Contains(t, diff, "+    versions: \">=1.0.4 <=1.0.17\"")
	after := applied(t, data, diff)
	g, err := Parse("x", after)
	require.NoError(t, err)
	require.Len(t, g.KnownFailures, len(f.KnownFailures))
	build := g.For("1.0.17+pr.1", true)
	v := build.Verdict([]Result{{Feature: "f", Scenario: bt8.Scenario, Status: Passed}})
	assert.True(t, v.OK(), "after the change the improvement is a plain pass: %s", v.Summary())

	// Unknown version: the entry goes.
	diff, err = ImprovementDiff("expectations/python.yaml", data, []KnownFailure{bt8}, "0.0.0.dev0", false)
	require.NoError(t, err)
	g, err = Parse("x", applied(t, data, diff))
	require.NoError(t, err)
	assert.Len(t, g.KnownFailures, len(f.KnownFailures)-1)
}

func applied(t *testing.T, data []byte, diff string) []byte {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "expectations"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "expectations", "python.yaml"), data, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "change.diff"), []byte(diff), 0o644))
	cmd := exec.Command("git", "apply", "change.diff")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git apply: %s\n%s", out, diff)
	after, err := os.ReadFile(filepath.Join(dir, "expectations", "python.yaml"))
	require.NoError(t, err)
	return after
}

// In the suite's own CI an improvement fails the run (a stale entry); in
// an SDK's CI it is allowed. An unexpected failure is never allowed.
func TestOKAllowingImprovements(t *testing.T) {
	f, err := Parse("x.yaml", []byte("sdk: x\nknown_failures:"+sprintf(entry, `">=1.0.4 <1.0.18"`)))
	require.NoError(t, err)
	b := f.For("1.0.17+pr.9", true)
	v := b.Verdict([]Result{{Feature: "f", Scenario: "s1", Status: Passed}})
	assert.False(t, v.OK())
	assert.True(t, v.OKAllowingImprovements())
	require.Len(t, v.Improvements, 1)
	assert.Equal(t, ">=1.0.4 <1.0.18", v.Improvements[0].Versions.Written())

	v = b.Verdict([]Result{{Feature: "f", Scenario: "s1", Status: Passed}, {Feature: "f", Scenario: "s2", Status: Failed, Step: "x", Message: "y"}})
	assert.False(t, v.OKAllowingImprovements(), "an unexpected failure stays red")
	v = b.Verdict([]Result{{Feature: "f", Scenario: "s1", Status: Failed, Step: "other", Message: "other"}})
	assert.False(t, v.OKAllowingImprovements(), "failing another way is no improvement")
	assert.Empty(t, v.Improvements)
	// A release after the fix: the entry does not apply, nothing to improve.
	v = f.For("1.0.18+pr.9", true).Verdict([]Result{{Feature: "f", Scenario: "s1", Status: Passed}})
	assert.True(t, v.OK())
}
