package suite

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/driver"
	"conformance/internal/expectations"
	"conformance/internal/results"
	"conformance/internal/sdk"
)

// python's BT-8 entry in expectations/python.yaml: known up to 1.0.17.
const bt8 = "A request naming a disconnected session gets an error, and the connection stays usable"

func bt8Failure() expectations.Result {
	return expectations.Result{Feature: "sessions", Scenario: bt8, Tags: []string{"@BT-8"}, Status: expectations.Failed,
		Step: "token request 1 was answered with a JSON-RPC error", Message: `token request 1 was answered with result {"token":"a-1"}, want a JSON-RPC error`}
}

// gitRepo makes a git repository with a commit per tag (nil: an untagged
// commit), as an SDK's history with a pull request on top.
func gitRepo(t *testing.T, tags ...string) string {
	t.Helper()
	dir := t.TempDir()
	git := func(args ...string) {
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@localhost"}, args...)...)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "git %v: %s", args, out)
	}
	git("init", "-q")
	for i, tag := range tags {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "f"), []byte(strings.Repeat("x", i+1)), 0o644))
		git("add", "f")
		git("commit", "-qm", "c")
		if tag != "" {
			git("tag", tag)
		}
	}
	return dir
}

// A pull request's build is named after the newest release tag it
// descends from, as a later build, and judged by the version-limited
// entries that cover a build after that release.
func TestAPullRequestBuildIsJudgedAfterItsRelease(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	python, err := sdk.Lookup("python")
	require.NoError(t, err)
	exp, err := expectations.Load(filepath.Join(root, "expectations"), "python")
	require.NoError(t, err)

	for _, tc := range []struct {
		name     string
		tags     []string
		pr       string
		want     string
		expected bool // BT-8's failure is the known one
	}{
		{"a PR on 1.0.17", []string{"python/v1.0.4", "python/v1.0.17", ""}, "123", "1.0.17+pr.123", true},
		{"a push after 1.0.17, repository-wide tags", []string{"v1.0.17", "", ""}, "", "1.0.17+g", true},
		{"a PR on 1.0.18, after the fix", []string{"python/v1.0.17", "python/v1.0.18", ""}, "7", "1.0.18+pr.7", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := gitRepo(t, tc.tags...)
			version, from, err := python.BuildVersion(dir, tc.pr)
			require.NoError(t, err)
			assert.True(t, strings.HasPrefix(version, tc.want), "%s (%s)", version, from)
			cfg := Config{SDK: "python", Source: dir, SourceVersion: sdk.SourceVersion{Version: version, From: "stated (SDK_SOURCE_VERSION)"}}
			assert.Equal(t, "python@"+version, cfg.Label())
			// The driver reports the release its package declares.
			release, _, _ := strings.Cut(version, "+")
			judgedAs, known, _ := runVersion(cfg, driver.Hello{SDKVersion: release})
			assert.Equal(t, version, judgedAs)
			assert.True(t, known)
			v := exp.For(judgedAs, known).Verdict([]expectations.Result{bt8Failure()})
			if tc.expected {
				assert.Len(t, v.ExpectedFailures, 1, "the entry up to 1.0.17 covers a build after 1.0.17: %s", v.Summary())
				assert.True(t, v.OK())
			} else {
				assert.Len(t, v.UnexpectedFailures, 1, "a build after 1.0.18 is past the entry: %s", v.Summary())
			}
		})
	}

	_, _, err = python.BuildVersion(gitRepo(t, ""), "1")
	assert.ErrorContains(t, err, "descends from no release tag", "a shallow clone without tags says so")
}

// A known failure that a pull request fixes: green with a notice and the
// change to make to the expectations in an SDK's CI (IMPROVEMENTS=notice),
// red in the suite's own (the default).
func TestAnImprovementIsANoticeInAnSDKsCIAndAFailureInTheSuites(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	exp, err := expectations.Load(filepath.Join(root, "expectations"), "python")
	require.NoError(t, err)
	passed := bt8Failure()
	passed.Status, passed.Step, passed.Message = expectations.Passed, "", ""

	for _, mode := range []string{results.ImprovementsNotice, results.ImprovementsFail} {
		t.Run(mode, func(t *testing.T) {
			cfg, err := Config{SDK: "python", Root: root, Improvements: mode}.withDefaults()
			require.NoError(t, err)
			u := &setUp{cfg: cfg, exp: exp, version: "1.0.17+pr.123", known: true}
			report, err := u.judge([]expectations.Result{passed})
			require.NoError(t, err)
			require.Len(t, report.Verdict.Improvements, 1)
			assert.Contains(t, report.ExpectationsDiff, `+    versions: ">=1.0.4 <=1.0.17"`)
			assert.Equal(t, mode == results.ImprovementsNotice, report.OK(), report.Verdict.Summary())

			// An unexpected failure is red in either mode.
			other := expectations.Result{Feature: "f", Scenario: "another", Status: expectations.Failed, Step: "s", Message: "m"}
			report, err = u.judge([]expectations.Result{passed, other})
			require.NoError(t, err)
			assert.False(t, report.OK())
		})
	}
	_, err = Config{SDK: "python", Improvements: "maybe"}.withDefaults()
	assert.ErrorContains(t, err, "IMPROVEMENTS")
}
