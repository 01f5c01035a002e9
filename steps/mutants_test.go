package steps_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"conformance/internal/sdk"
	"conformance/steps"
)

// A mutant is a copy of the pinned Node SDK patched to break one rule.
// The suite is only worth something if it tells such a copy from the real
// one: each mutant must fail at least one scenario of its rule.
type mutant struct {
	name string
	rule string // the tag whose scenarios must catch it
	file string // under the package's dist/
	old  string // text that must occur in the file (every occurrence is replaced)
	new  string
}

var nodeMutants = []mutant{
	{"drops the flag", "@BT-1", "client.js",
		`hasBearerTokenProvider: true`, `hasBearerTokenProvider: void 0`},
	{"leaks the callback's key", "@BT-2", "client.js",
		`hasBearerTokenProvider: true`, `hasBearerTokenProvider: true, getBearerToken: "[callback]"`},
	{"flags a provider without a callback", "@BT-2", "client.js",
		`if (!p.bearerTokenProvider) return p;`, `if (!p.bearerTokenProvider) return { ...p, hasBearerTokenProvider: true };`},
	{"drops the headers of a provider with a callback", "@BT-2", "client.js",
		`const { bearerTokenProvider, ...rest } = provider;`, `const { bearerTokenProvider, headers, ...rest } = provider;`},
	{"sends a default scope", "@BT-3", "client.js",
		`hasBearerTokenProvider: true`, `hasBearerTokenProvider: true, bearerTokenScope: "https://cognitiveservices.azure.com/.default"`},
	{"names the singular provider otherwise", "@BT-4", "client.js",
		`const DEFAULT_PROVIDER_NAME = "default";`, `const DEFAULT_PROVIDER_NAME = "primary";`},
	{"passes another providerName to the callback", "@BT-4", "session.js",
		`providerName: params.providerName,`, `providerName: "singular",`},
	{"lets the first callback answer for every provider", "@BT-5", "session.js",
		`const callback = self.bearerTokenProviders.get(params.providerName);`,
		`const callback = self.bearerTokenProviders.values().next().value;`},
	{"caches the first token", "@BT-6", "session.js",
		`const token = await callback({`, `const token = self.__cachedToken ??= await callback({`},
	{"adds a Bearer prefix", "@BT-6", "session.js",
		`return { token };`, `return { token: "Bearer " + token };`},
	{"trims the token", "@BT-6", "session.js",
		`return { token };`, `return { token: token.trim() };`},
	{"drops the session id from the callback's arguments", "@BT-7", "session.js",
		`sessionId: params.sessionId`, `sessionId: undefined`},
	{"serves a request for an unknown session from another session", "@BT-8", "client.js",
		`const session = sessions.get(sessionId);`, `const session = sessions.get(sessionId) ?? [...sessions.values()][0];`},
	{"answers an unknown provider with an empty token", "@BT-9", "session.js",
		`if (!callback) {`, `if (!callback) { return { token: "" };`},
	{"swallows the callback's error", "@BT-10", "session.js",
		"sessionId: params.sessionId\n        });", "sessionId: params.sessionId\n        }).catch(() => \"\");"},
	{"mixes up answers of concurrent requests", "@BT-11", "session.js",
		`return { token };`, `self.__latest = token; await new Promise((r) => setTimeout(r, 20)); return { token: self.__latest };`},
}

func TestNodeMutantsAreCaught(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the Node SDK a dozen times; not in -short")
	}
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	node, err := sdk.Lookup("node")
	require.NoError(t, err)
	_, err = node.Prepare(context.Background(), sdk.Options{Root: root})
	require.NoError(t, err, "installing the pinned Node SDK to copy")
	pinned := filepath.Join(root, "drivers", "node", "node_modules", "@github", "copilot-sdk")

	run := func(t *testing.T, source, tags string) *steps.Report {
		t.Helper()
		report, err := steps.Run(context.Background(), steps.Config{
			SDK: "node", Source: source, Root: root, Tags: tags,
			ResultsDir: t.TempDir(), Output: testOutput(t),
		})
		require.NoError(t, err)
		return report
	}

	t.Run("the unpatched copy passes", func(t *testing.T) {
		report := run(t, copyDir(t, pinned), "")
		require.True(t, report.Verdict.OK(), "an unpatched copy through SDK_SOURCE must pass: %s", report.Verdict.Summary())
	})
	for _, m := range nodeMutants {
		t.Run(m.name, func(t *testing.T) {
			dir := copyDir(t, pinned)
			path := filepath.Join(dir, "dist", m.file)
			src, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Contains(t, string(src), m.old, "the mutant no longer applies to this SDK version: update it")
			require.NoError(t, os.WriteFile(path, []byte(strings.ReplaceAll(string(src), m.old, m.new)), 0o644))

			report := run(t, dir, m.rule)
			var caught []string
			for _, j := range report.Verdict.UnexpectedFailures {
				caught = append(caught, j.Scenario)
			}
			require.NotEmpty(t, caught, "no %s scenario caught an SDK that %s (%s)", m.rule, m.name, report.Verdict.Summary())
			t.Logf("caught by: %s", strings.Join(caught, "; "))
		})
	}
}

// testOutput sends godog's output to the test log only with -v, so that a
// plain `go test ./...` stays readable.
func testOutput(t *testing.T) io.Writer {
	if testing.Verbose() {
		return os.Stdout
	}
	return io.Discard
}

func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "copilot-sdk")
	require.NoError(t, os.CopyFS(dst, os.DirFS(src)))
	return dst
}
