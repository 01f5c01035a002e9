package mutants

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func writeTestFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}

func TestApply(t *testing.T) {
	const original = "func f() {\n\tif x == nil {\n\t\treturn nil\n\t}\n\treturn x // x\n}\n"
	tests := []struct {
		name string
		m    Mutant
		want string // the file after Apply; empty: Apply fails
	}{
		{"replaces every occurrence", Mutant{Name: "m", Edit: Edit{File: "a.go", Old: "x", New: "y"}},
			"func f() {\n\tif y == nil {\n\t\treturn nil\n\t}\n\treturn y // y\n}\n"},
		{"white space in old matches tabs and newlines", Mutant{Name: "m", Edit: Edit{File: "a.go", Old: "if x == nil {\n    return nil\n}", New: "if x == nil { panic(1) }"}},
			"func f() {\n\tif x == nil { panic(1) }\n\treturn x // x\n}\n"},
		{"new is literal, $ included", Mutant{Name: "m", Edit: Edit{File: "a.go", Old: "return x", New: "return $1"}},
			"func f() {\n\tif x == nil {\n\t\treturn nil\n\t}\n\treturn $1 // x\n}\n"},
		{"edits apply in order", Mutant{Name: "m", Edit: Edit{File: "a.go", Old: "return x", New: "return z"}, Also: []Edit{{File: "a.go", Old: "z //", New: "w //"}}},
			"func f() {\n\tif x == nil {\n\t\treturn nil\n\t}\n\treturn w // x\n}\n"},
		{"old text missing", Mutant{Name: "m", Edit: Edit{File: "a.go", Old: "return q", New: "return z"}}, ""},
		{"a later edit's old text missing undoes the earlier", Mutant{Name: "m", Edit: Edit{File: "a.go", Old: "return x", New: "return z"}, Also: []Edit{{File: "a.go", Old: "nope", New: "yes"}}}, ""},
		{"missing file", Mutant{Name: "m", Edit: Edit{File: "b.go", Old: "x", New: "y"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := writeTestFile(t, dir, "a.go", original)
			restore, err := Apply(dir, tt.m)
			if tt.want == "" {
				require.Error(t, err)
				require.Contains(t, err.Error(), `mutant "m"`)
				got, _ := os.ReadFile(path)
				require.Equal(t, original, string(got), "a failed Apply must leave the file as it was")
				return
			}
			require.NoError(t, err)
			got, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, tt.want, string(got))
			require.NoError(t, restore())
			got, err = os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, original, string(got), "restore must put the file back")
		})
	}
}

func TestLoad(t *testing.T) {
	const good = `sdk: go
version: 1.0.14
mutants:
  - name: drops the flag
    rule: "@BT-1"
    file: types.go
    old: "Bool(true)"
    new: "nil"
`
	tests := []struct {
		name, yaml, wantErr string
	}{
		{"good", good, ""},
		{"another sdk's file", strings.Replace(good, "sdk: go", "sdk: node", 1), `sdk is "node"`},
		{"no version", strings.Replace(good, "version: 1.0.14\n", "", 1), "no version"},
		{"not a rule tag", strings.Replace(good, `"@BT-1"`, `"BT-1"`, 1), "not a rule tag"},
		{"a path leaving the source", strings.Replace(good, "file: types.go", "file: ../types.go", 1), "not a path inside"},
		{"no old text", strings.Replace(good, `old: "Bool(true)"`, `old: " "`, 1), "no old text"},
		{"an edit that changes nothing", strings.Replace(good, `new: "nil"`, `new: "Bool(true)"`, 1), "changes nothing"},
		{"an unknown key", good + "    typo: 1\n", "field typo not found"},
		{"a name twice", good + strings.SplitN(good, "mutants:\n", 2)[1], "listed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTestFile(t, dir, "go.yaml", tt.yaml)
			set, err := Load(dir, "go")
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, []string{"@BT-1"}, set.Rules())
		})
	}
}

// The tables in mutants/ load: a typo there fails here, not after a long
// run.
func TestTablesLoad(t *testing.T) {
	for _, sdk := range []string{"node", "go", "python", "rust", "java"} {
		t.Run(sdk, func(t *testing.T) {
			set, err := Load(filepath.Join("..", "..", "mutants"), sdk)
			require.NoError(t, err)
			require.NotEmpty(t, set.Mutants)
		})
	}
}

func TestSlug(t *testing.T) {
	require.Equal(t, "drops-the-session-id-from-the-callback-s-arguments", slug("drops the session id from the callback's arguments"))
}
