package sdk

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// SDK_SOURCE for Rust is the SDK crate itself or a checkout holding it in
// rust/; a folder with some other crate, or none, is refused by name.
func TestRustSDKCrateDir(t *testing.T) {
	dir := t.TempDir()
	write := func(path, text string) string {
		path = filepath.Join(dir, path)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
		return filepath.Dir(path)
	}
	crate := write("github-copilot-sdk-1.0.28/Cargo.toml", "[package]\nname = \"github-copilot-sdk\"\nversion = \"1.0.28\"\n")
	checkout := filepath.Dir(write("copilot-sdk/rust/Cargo.toml", "[package]\nname = \"github-copilot-sdk\"\n"))
	other := write("other/Cargo.toml", "[package]\nname = \"github-copilot-sdk-macros\"\n")

	got, err := rustSDKCrateDir(crate)
	require.NoError(t, err)
	assert.Equal(t, crate, got)
	got, err = rustSDKCrateDir(checkout)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(checkout, "rust"), got)
	_, err = rustSDKCrateDir(other)
	assert.ErrorContains(t, err, "no Cargo.toml of the github-copilot-sdk package")
}

// An SDK_VERSION or SDK_SOURCE build differs from the pinned driver in the
// SDK's dependency line, written with default features off (the default
// one downloads a CLI at build time), and in its package version, which
// keeps its outputs in the shared target directory apart from the others'.
func TestCopyRustDriverRewritesOnlyTheSDKLine(t *testing.T) {
	src := filepath.Join("..", "..", "drivers", "rust")
	dst := filepath.Join(t.TempDir(), "rust@1.0.27")
	require.NoError(t, copyRustDriver(src, dst, rustDependencyLine(`version = "=1.0.27"`, true)))

	before, err := os.ReadFile(filepath.Join(src, "Cargo.toml"))
	require.NoError(t, err)
	after, err := os.ReadFile(filepath.Join(dst, "Cargo.toml"))
	require.NoError(t, err)
	assert.NotEqual(t, string(before), string(after))
	assert.Contains(t, string(after), `github-copilot-sdk = { version = "=1.0.27", default-features = false, features = ["runtime"] }`)
	assert.Contains(t, string(after), "\nversion = \"0.0.0-rust-1-0-27\"\n")
	unchanged := func(b []byte) string {
		b = regexp.MustCompile(`(?m)^version = "0\.0\.0[^"]*"$`).ReplaceAll(b, nil)
		return string(rustSDKDependency.ReplaceAll(b, nil))
	}
	assert.Equal(t, unchanged(before), unchanged(after), "only the SDK's dependency line and the version may change")
	assert.Equal(t, "0.0.0-rust-source-4f591c5aa8fd", rustCopyVersion("/x/.cache/drivers/rust-source-4f591c5aa8fd"))
	for _, name := range append(rustDriverFiles, "Cargo.lock") {
		assert.FileExists(t, filepath.Join(dst, name))
	}

	// A Cargo.toml without the pinned line cannot be rewritten: say so.
	broken := t.TempDir()
	for _, name := range rustDriverFiles {
		write := []byte("[package]\nversion = \"0.0.0\"\n")
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(broken, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(broken, name), write, 0o644))
	}
	assert.ErrorContains(t, copyRustDriver(broken, t.TempDir(), "x"), "no pinned github-copilot-sdk dependency line")
}

// The runtime feature is asked for only of an SDK that has it (1.0.16 on):
// cargo refuses a dependency on a feature the crate lacks (1.0.4 has none).
func TestRustDependencyLine(t *testing.T) {
	for _, tc := range []struct {
		spec       string
		hasRuntime bool
		want       string
	}{
		{`version = "=1.0.28"`, true, `github-copilot-sdk = { version = "=1.0.28", default-features = false, features = ["runtime"] }`},
		{`version = "=1.0.4"`, false, `github-copilot-sdk = { version = "=1.0.4", default-features = false }`},
		{`path = '/src/rust'`, false, `github-copilot-sdk = { path = '/src/rust', default-features = false }`},
	} {
		assert.Equal(t, tc.want, rustDependencyLine(tc.spec, tc.hasRuntime))
	}
	// The pinned line is one the rewrite recognises, whole.
	pinned, err := os.ReadFile(filepath.Join("..", "..", "drivers", "rust", "Cargo.toml"))
	require.NoError(t, err)
	assert.Contains(t, string(pinned), rustDependencyLine(`version = "=1.0.28"`, true)+"\n")
}
