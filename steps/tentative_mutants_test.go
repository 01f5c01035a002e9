package steps_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"conformance/internal/sdk"
	"conformance/steps"
)

// Mutants for the tentative rules: the pinned Node SDK patched to break
// BT-16 or BT-17, each of which the rule's scenarios must catch.
var tentativeNodeMutants = []mutant{
	// What the Rust SDK did before upstream #2034: one callback at a time,
	// across every session.
	{"runs callbacks one at a time", "@BT-16", "session.js",
		"const token = await callback({\n          providerName: params.providerName,\n          sessionId: params.sessionId\n        });",
		"const mine = (globalThis.__tokenQueue ?? Promise.resolve()).then(() => callback({\n          providerName: params.providerName,\n          sessionId: params.sessionId\n        }));\n" +
			"        globalThis.__tokenQueue = mine.catch(() => {});\n        const token = await mine;"},
	{"writes the token to stderr", "@BT-17", "session.js",
		`return { token };`, `console.error("providerToken.getToken answered", token); return { token };`},
	{"echoes the token in the error for an unknown provider", "@BT-17", "session.js",
		"if (!callback) {", "if (!callback) { const other = self.bearerTokenProviders.values().next().value; " +
			"throw new Error(`no provider ${params.providerName}; one that works: ${await other({ providerName: params.providerName })}`); } if (false) {"},
}

func TestTentativeNodeMutantsAreCaught(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the Node SDK several times; not in -short")
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
		report := run(t, copyDir(t, pinned), "@tentative")
		require.True(t, report.Verdict.OK(), "an unpatched copy through SDK_SOURCE must pass: %s", report.Verdict.Summary())
	})
	for _, m := range tentativeNodeMutants {
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
				caught = append(caught, j.Scenario+": "+j.Message)
			}
			require.NotEmpty(t, caught, "no %s scenario caught an SDK that %s (%s)", m.rule, m.name, report.Verdict.Summary())
			t.Logf("caught by: %s", strings.Join(caught, "; "))
		})
	}
}
