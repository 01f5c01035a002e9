package cimatrix

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/contract"
	"conformance/internal/dashboard"
	"conformance/internal/expectations"
	"conformance/internal/results"
)

// The Python SDK's release the rehearsal's pull requests start from:
// expectations/python.yaml lists BT-8 failing up to 1.0.17, fixed in
// 1.0.18 by clearing a disconnected session's bearer-token providers.
const rehearsedRelease = "1.0.17"

// TestTheReusableWorkflowRehearsal runs the `suite-` steps of
// .github/workflows/sdk-conformance.yml as an SDK repository's CI would
// call it, against a git repository made here from the Python SDK's
// release (its wheel from PyPI, with a pyproject.toml, tagged
// python/v1.0.17), on three pull requests:
//
//  1. one that fixes BT-8 as 1.0.18 did: green, with the improvement's
//     notice and the expectations diff, in the comment and the artifact;
//  2. one that adds a "Bearer " prefix to the token: red, naming BT-6 and
//     the scenario;
//  3. one whose pyproject.toml is broken: red, the SDK install named as
//     the cause, with pip's message.
//
// It installs the SDK three times (pip, from PyPI or its cache): make
// ci-matrix-sdk and make test run it (SDK_CI_REHEARSAL=1).
func TestTheReusableWorkflowRehearsal(t *testing.T) {
	if os.Getenv("SDK_CI_REHEARSAL") == "" {
		t.Skip("make ci-matrix-sdk (and make test) run this rehearsal: SDK_CI_REHEARSAL=1")
	}
	root := repoRoot(t)
	// The workspace in this checkout's results (each checkout its own);
	// the downloaded release in the shared cache.
	base := filepath.Join(root, "results", "ci-rehearsal")
	wheel := pythonWheel(t, filepath.Join(root, ".cache", "ci-rehearsal"), rehearsedRelease)
	origin := filepath.Join(base, "python-sdk")
	makeSDKRepo(t, origin, wheel)

	for _, pr := range []struct {
		number, branch string
		change         func(t *testing.T, dir string)
		green          bool
		says           []string // in the job's output
		comment        []string // in results/pr-comment.md
	}{
		{"101", "fix-bt8", fixBT8, true,
			[]string{"::notice title=improvement: python@1.0.17+pr.101::", "ok       python@1.0.17+pr.101"},
			[]string{"#### Improvement in `python@1.0.17+pr.101`", `+    versions: ">=1.0.4 <=1.0.17"`,
				"Beside the other SDKs' latest results", "| rule | node 1.0.14 g2 |", "| python 1.0.17+pr.101+source g2 |"}},
		{"102", "bearer-prefix", bearerPrefix, false,
			[]string{"FAIL     python@1.0.17+pr.102", "unexpected failure: BT-6 The token is answered as returned, with no prefix added and nothing trimmed"},
			[]string{"unexpected failure: BT-6 **The token is answered as returned, with no prefix added and nothing trimmed**"}},
		{"103", "broken-pyproject", brokenPyproject, false,
			[]string{"ERROR    python@1.0.17+pr.103: did not run: SDK install:", "TOMLDecodeError: Illegal character"},
			[]string{"**did not run**", "SDK install", "TOMLDecodeError"}},
	} {
		t.Run("PR "+pr.number+" "+pr.branch, func(t *testing.T) {
			// Each pull request's job in a workspace of its own, all three at
			// once, as a hosted runner runs each on a machine of its own.
			t.Parallel()
			workspace := filepath.Join(base, "pr-"+pr.number)
			require.NoError(t, os.RemoveAll(workspace))
			require.NoError(t, os.MkdirAll(workspace, 0o755))
			sdkDir := filepath.Join(workspace, "sdk")
			// actions/checkout with fetch-depth: 0: the branch, with tags.
			git(t, workspace, "clone", "--quiet", origin, sdkDir)
			git(t, sdkDir, "checkout", "--quiet", "-b", pr.branch)
			pr.change(t, sdkDir)
			git(t, sdkDir, "commit", "--quiet", "-am", pr.branch)

			inputs := map[string]string{"sdk": "python", "sdk-source": ".", "suite-repository": "OWNER/bearer-token-conformance", "suite-ref": "v0",
				"runtime": "fake", "transport": "tcp", "tags": "@BT-6,@BT-8"}
			if pr.number == "101" {
				// A parity.json of the suite's scheduled run, as an artifact
				// downloaded into the workspace.
				writeParity(t, root, filepath.Join(workspace, "nightly", "parity.json"))
				inputs["compare-parity"] = "nightly/parity.json"
			}
			var out bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			start := time.Now()
			c := CallerRehearsal{Workflow: filepath.Join(root, ".github", "workflows", "sdk-conformance.yml"), Job: "conformance",
				Root: root, Workspace: workspace, PR: pr.number, Output: &out, Inputs: inputs}
			err := c.Run(ctx)
			t.Logf("PR %s: the job took %s", pr.number, time.Since(start).Round(time.Second))
			if pr.green {
				require.NoError(t, err, out.String())
			} else {
				require.Error(t, err, out.String())
				assert.Contains(t, err.Error(), "step suite-gate", "the gate fails the job")
			}
			for _, s := range pr.says {
				assert.Contains(t, out.String(), s)
			}
			comment, cerr := os.ReadFile(filepath.Join(c.ResultsDir(), "pr-comment.md"))
			require.NoError(t, cerr, "the comment step ran (if: always())")
			for _, s := range pr.comment {
				assert.Contains(t, string(comment), s)
			}
			if pr.green {
				assert.NotContains(t, string(comment), "Unexpected results", "an improvement is not an unexpected result")
			}
			runs, lerr := results.LoadAll(c.ResultsDir())
			require.NoError(t, lerr)
			require.Len(t, runs, 1)
			run := runs[0]
			assert.Equal(t, "python@1.0.17+pr."+pr.number, run.Label)
			assert.Equal(t, results.ImprovementsNotice, run.Improvements, "the reusable workflow's default")
			switch pr.number {
			case "101":
				assert.Equal(t, results.StatusPassed, run.Status)
				diff, derr := os.ReadFile(filepath.Join(c.ResultsDir(), run.Label, run.ExpectationsDiff))
				require.NoError(t, derr, "the artifact holds the diff")
				assert.Contains(t, string(diff), "--- a/expectations/python.yaml")
			case "102":
				assert.Equal(t, results.StatusFailed, run.Status)
			case "103":
				assert.Equal(t, results.StatusError, run.Status)
				require.NotNil(t, run.Error)
				assert.Equal(t, "SDK install", run.Error.Step)
				assert.Contains(t, run.Error.Message, "TOMLDecodeError", "pip's own message")
			}
			if t.Failed() {
				t.Log(out.String())
			}
		})
	}
}

// writeParity writes a parity.json as make dashboard would from a
// scheduled run's results: here one node run that passed BT-6's
// scenarios.
func writeParity(t *testing.T, root, path string) {
	t.Helper()
	rules, err := contract.Load(filepath.Join(root, "features"))
	require.NoError(t, err)
	node := results.Run{Label: "node", SDK: "node", SDKVersion: "1.0.14", Generation: 2, Runtime: "fake", Transport: "tcp", Runner: "local", OK: true,
		Verdict: expectations.Verdict{Passed: []expectations.Judged{{Result: expectations.Result{Feature: "token_requests",
			Scenario: "The token is answered as returned, with no prefix added and nothing trimmed", Tags: []string{"@BT-6"}, Status: expectations.Passed}}}}}
	p := dashboard.Build(rules, dashboard.Input{Runs: []dashboard.LoadedRun{{Run: node}}}, "0.7.0", "the nightly")
	var b bytes.Buffer
	require.NoError(t, p.JSON(&b))
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
}

// pythonWheel downloads the release's wheel from PyPI once, into dir.
func pythonWheel(t *testing.T, dir, version string) string {
	t.Helper()
	wheel := filepath.Join(dir, "github_copilot_sdk-"+version+"-py3-none-any.whl")
	if _, err := os.Stat(wheel); err == nil {
		return wheel
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	cmd := exec.Command("python3", "-m", "pip", "download", "--quiet", "--no-deps", "--disable-pip-version-check",
		"github-copilot-sdk=="+version, "-d", dir)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "pip download: %s", out)
	return wheel
}

// makeSDKRepo makes origin a git repository holding the release's package
// (the wheel's copilot/) and a pyproject.toml, tagged python/v<release>.
func makeSDKRepo(t *testing.T, origin, wheel string) {
	t.Helper()
	require.NoError(t, os.RemoveAll(origin))
	z, err := zip.OpenReader(wheel)
	require.NoError(t, err)
	defer z.Close()
	for _, f := range z.File {
		if !strings.HasPrefix(f.Name, "copilot/") || strings.HasSuffix(f.Name, "/") || !filepath.IsLocal(f.Name) {
			continue
		}
		path := filepath.Join(origin, f.Name)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		r, err := f.Open()
		require.NoError(t, err)
		b, err := io.ReadAll(r)
		r.Close()
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path, b, 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(origin, "pyproject.toml"), []byte(`[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "github-copilot-sdk"
version = "`+rehearsedRelease+`"
requires-python = ">=3.11"
dependencies = ["python-dateutil>=2.9.0.post0", "pydantic>=2.11", "httpx>=0.24.0"]

[tool.setuptools.packages.find]
include = ["copilot*"]
`), 0o644))
	git(t, origin, "init", "--quiet")
	git(t, origin, "add", "-A")
	git(t, origin, "commit", "--quiet", "-m", "release "+rehearsedRelease)
	git(t, origin, "tag", "python/v"+rehearsedRelease)
}

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=rehearsal", "-c", "user.email=rehearsal@localhost", "-c", "init.defaultBranch=main"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
}

// edit replaces old, which must be there, by new in dir's file.
func edit(t *testing.T, dir, file, old, new string) {
	t.Helper()
	path := filepath.Join(dir, file)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Contains(t, string(b), old, "%s: the text the change replaces", file)
	require.NoError(t, os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o644))
}

// fixBT8 is 1.0.18's fix: disconnect() clears the session's bearer-token
// providers, so a request naming it gets an error.
func fixBT8(t *testing.T, dir string) {
	edit(t, dir, "copilot/session.py", `            with self._auto_mode_switch_handler_lock:
                self._auto_mode_switch_handler = None

    async def __aenter__`, `            with self._auto_mode_switch_handler_lock:
                self._auto_mode_switch_handler = None
            with self._bearer_token_providers_lock:
                self._bearer_token_providers.clear()

    async def __aenter__`)
}

// bearerPrefix breaks BT-6: the token goes back with a prefix.
func bearerPrefix(t *testing.T, dir string) {
	edit(t, dir, "copilot/session.py", `return ProviderTokenAcquireResult(token=cast(str, result))`,
		`return ProviderTokenAcquireResult(token="Bearer " + cast(str, result))`)
}

// brokenPyproject leaves pip nothing it can build.
func brokenPyproject(t *testing.T, dir string) {
	edit(t, dir, "pyproject.toml", `name = "github-copilot-sdk"`, `name = "github-copilot-sdk`)
}
