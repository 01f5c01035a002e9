package docs

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const root = "../.."

// readmeMaxLines keeps the README a user's guide: the deeper guides live in
// docs/ (issue 25).
const readmeMaxLines = 250

// pendingTargets are targets the documents name that other work in progress
// adds to the Makefile. While the Makefile has no rule for one, its commands
// are listed in the test's log instead of failing; once it has, they are
// checked like every other. Remove an entry when its target has landed.
var pendingTargets = map[string]string{
	"explore":  "the contract explorer (docs/exploring.md)",
	"findings": "docs/findings.md generated from expectations/ and observed values",
}

func TestReadmeIsShort(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	n := strings.Count(string(b), "\n")
	assert.LessOrEqual(t, n, readmeMaxLines, "README.md has %d lines; move the detail to a guide in docs/", n)
}

// Every make command the README, the guides in docs/ and the other
// documents show runs as written: make -n accepts it (the target exists,
// the arguments parse) against the Makefile of this checkout.
func TestDocumentedMakeCommandsRun(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make on PATH")
	}
	docs := markdownFiles(t)
	require.Contains(t, docs, filepath.Join(root, "README.md"))
	total := 0
	for _, doc := range docs {
		b, err := os.ReadFile(doc)
		require.NoError(t, err)
		name, _ := filepath.Rel(root, doc)
		seen := map[string]bool{}
		for _, c := range MakeCommands(string(b)) {
			if seen[c.Text] {
				continue
			}
			seen[c.Text] = true
			total++
			script, reason := DryRunScript(c.Text)
			if reason != "" {
				t.Errorf("%s:%d: %q: %s", name, c.Line, c.Text, reason)
				continue
			}
			out, err := dryRun(t, script)
			if err == nil {
				continue
			}
			if target := missingTarget(out); pendingTargets[target] != "" {
				t.Logf("%s:%d: %q: target %q not in the Makefile yet (%s)", name, c.Line, c.Text, target, pendingTargets[target])
				continue
			}
			t.Errorf("%s:%d: %q does not run as written: %s: %v\n%s", name, c.Line, c.Text, script, err, out)
		}
	}
	t.Logf("%d distinct make commands in %d documents", total, len(docs))
	assert.Greater(t, total, 10, "the documents show make commands; is the extraction broken?")
}

// The check has teeth: make -n refuses an unknown target and a malformed
// line, so a renamed target in the Makefile fails the documents naming it.
func TestDryRunRefusesAWrongCommand(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make on PATH")
	}
	out, err := dryRun(t, "make -n no-such-target SDK=node")
	require.Error(t, err)
	assert.Equal(t, "no-such-target", missingTarget(out))
	_, err = dryRun(t, "make -n conformance 'SDK=node")
	require.Error(t, err, "an unbalanced quote")
}

// markdownFiles are the checkout's hand-written documents: README.md,
// docs/, CONTRACT.md, the drivers' and docker/'s READMEs. Not what tools
// put there: dot folders (.cache is a link to prepared drivers),
// node_modules, build output and results.
func markdownFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root {
			switch name := d.Name(); {
			case strings.HasPrefix(name, "."), name == "node_modules", name == "target", name == "results", name == "testdata":
				return filepath.SkipDir
			}
		}
		if !d.IsDir() && strings.HasSuffix(path, ".md") {
			files = append(files, path)
		}
		return nil
	})
	require.NoError(t, err)
	return files
}

// planCommand is internal/cmd/plan built once for every dry run: the
// Makefile asks it for its build lists at each make -n, and hundreds of
// go run of it were most of this test's time.
var planCommand = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "docs-plan-")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "plan")
	cmd := exec.Command("go", "build", "-o", path, "./internal/cmd/plan")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./internal/cmd/plan: %v\n%s", err, out)
	}
	return path, nil
})

func TestMain(m *testing.M) {
	code := m.Run()
	if path, err := planCommand(); err == nil {
		os.RemoveAll(filepath.Dir(path))
	}
	os.Exit(code)
}

func dryRun(t *testing.T, script string) (string, error) {
	t.Helper()
	plan, err := planCommand()
	require.NoError(t, err)
	cmd := exec.Command("sh", "-c", script)
	cmd.Dir = root
	// A parent make's flags (make unit, make test) must not reach this one.
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k != "MAKEFLAGS" && k != "MFLAGS" && k != "MAKELEVEL" && k != "PLAN" {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "PLAN="+plan)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

var noRule = regexp.MustCompile("No rule to make target ['`]([^'`]+)'")

func missingTarget(makeOutput string) string {
	m := noRule.FindStringSubmatch(makeOutput)
	if m == nil {
		return ""
	}
	return m[1]
}

func TestMakeCommands(t *testing.T) {
	doc := strings.Join([]string{
		"Run `make conformance SDK=node` first, then `make help`.",
		"Not a command: `makefile`, `go test`.",
		"```sh",
		"make test                    # everything",
		"$ make matrix SDK=python \\",
		"    VERSIONS=1.0.9..",
		"go run ./internal/cmd/reports gate results",
		"```",
		"```yaml",
		"run: make conformance",
		"make conformance SDK=yaml",
		"```",
		"A span may wrap: `make conformance SDK=go",
		"TAGS=@BT-8`, then `make",
		"",
		"stray` is not one.",
	}, "\n")
	assert.Equal(t, []Command{
		{Line: 1, Text: "make conformance SDK=node"},
		{Line: 1, Text: "make help"},
		{Line: 4, Text: "make test                    # everything"},
		{Line: 5, Text: "make matrix SDK=python  VERSIONS=1.0.9.."},
		{Line: 13, Text: "make conformance SDK=go TAGS=@BT-8"},
	}, MakeCommands(doc))
}

func TestDryRunScript(t *testing.T) {
	tests := []struct{ cmd, script, reason string }{
		{"make conformance SDK=node", "make -n conformance SDK=node", ""},
		{"make explore SDK=<sdk> [SEED=]", "make -n explore SDK=sdk [SEED=]", ""},
		{"make bisect SCENARIO=\"<scenario name>\"", "make -n bisect SCENARIO=\"scenario-name\"", ""},
		{"make conformance TAGS='@BT-6 && ~@fake-only'", "make -n conformance TAGS='@BT-6 && ~@fake-only'", ""},
		{"make test # a | b; c", "make -n test # a | b; c", ""},
		{"make conformance && make test", "", "&"},
		{"make conformance; rm -rf x", "", ";"},
		{"make conformance SDK=$(cat x)", "", "$("},
		{"make conformance SDK=\"`cat x`\"", "", "substitution"},
	}
	for _, tt := range tests {
		script, reason := DryRunScript(tt.cmd)
		assert.Equal(t, tt.script, script, tt.cmd)
		if tt.reason == "" {
			assert.Empty(t, reason, tt.cmd)
		} else {
			assert.Contains(t, reason, tt.reason, tt.cmd)
		}
	}
}
