package sdk

import (
	"archive/tar"
	"compress/gzip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// writeTarGz packs files (name -> content) into a gzipped tar at path.
func writeTarGz(t *testing.T, path string, files map[string]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	for name, content := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []interface{ Close() error }{tw, gz, f} {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const javaPomAt = `<project><artifactId>copilot-sdk-java</artifactId><version>%s</version></project>`

func TestUnpackSourceIntoTheCacheOnceAndNeverBesideTheArchive(t *testing.T) {
	root, sources := t.TempDir(), t.TempDir()
	archive := filepath.Join(sources, "copilot-sdk-java-1.0.4.tar.gz")
	writeTarGz(t, archive, map[string]string{"copilot-sdk-java-1.0.4/java/pom.xml": "<project/>"})

	dir, err := unpackSource(root, archive)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(dir, filepath.Join(root, ".cache", "sources")+string(filepath.Separator)) || filepath.Base(dir) != "copilot-sdk-java-1.0.4" {
		t.Errorf("unpacked to %s, want its top folder under %s/.cache/sources/<digest>/", dir, root)
	}
	if entries, _ := os.ReadDir(sources); len(entries) != 1 {
		t.Errorf("the archive's folder holds %d entries after unpacking, want the archive only", len(entries))
	}
	// Reused: a file added to the unpacked copy survives a second call.
	marker := filepath.Join(dir, "kept")
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	again, err := unpackSource(root, archive)
	if err != nil || again != dir || !exists(marker) {
		t.Errorf("second unpack: %s, %v, marker kept %v; want the same folder, reused", again, err, exists(marker))
	}
}

func TestUnpackSourceRefusesEntriesOutsideItsFolder(t *testing.T) {
	archive := filepath.Join(t.TempDir(), "evil.tar.gz")
	writeTarGz(t, archive, map[string]string{"../escaped": "x"})
	root := t.TempDir()
	if _, err := unpackSource(root, archive); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("unpackSource = %v, want an error about an entry outside the folder", err)
	}
	if exists(filepath.Join(root, ".cache", "sources", "escaped")) {
		t.Error("the entry was written")
	}
}

func TestDetectSourceVersion(t *testing.T) {
	java, _ := Lookup("java")
	python, _ := Lookup("python")
	rust, _ := Lookup("rust")
	golang, _ := Lookup("go")

	archiveDir := t.TempDir()
	javaArchive := filepath.Join(archiveDir, "copilot-sdk-java-1.0.11.tar.gz")
	writeTarGz(t, javaArchive, map[string]string{"copilot-sdk-java-1.0.11/java/pom.xml": strings.Replace(javaPomAt, "%s", "1.0.11", 1)})
	goArchive := filepath.Join(archiveDir, "copilot-sdk-go-1.0.4.tar.gz")
	writeTarGz(t, goArchive, map[string]string{"copilot-sdk-go-1.0.4/go/go.mod": "module github.com/github/copilot-sdk/go\n"})

	placeholderPython := t.TempDir()
	writeFiles(t, placeholderPython, map[string]string{"pyproject.toml": "[project]\nname = \"github-copilot-sdk\"\nversion = \"0.0.0.dev0\"\n"})
	releasedRust := t.TempDir()
	writeFiles(t, releasedRust, map[string]string{"Cargo.toml": "[package]\nname = \"github-copilot-sdk\"\nversion = \"1.0.4\"\n"})

	for _, tc := range []struct {
		name          string
		sdk           SDK
		source        string
		stated        string
		want, wantHow string
	}{
		{"stated wins", python, placeholderPython, "v1.0.11", "1.0.11", "stated"},
		{"pom of an unpacked archive", java, javaArchive, "", "1.0.11", "pom.xml"},
		{"archive name when the source declares none", golang, goArchive, "", "1.0.4", "archive name"},
		{"Cargo.toml", rust, releasedRust, "", "1.0.4", "Cargo.toml"},
		{"a placeholder is no version", python, placeholderPython, "", "", `pyproject.toml says "0.0.0.dev0"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.sdk.DetectSourceVersion(t.TempDir(), tc.source, tc.stated)
			if err != nil {
				t.Fatal(err)
			}
			if got.Version != tc.want || !strings.Contains(got.From, tc.wantHow) {
				t.Errorf("got %q from %q, want %q from %q", got.Version, got.From, tc.want, tc.wantHow)
			}
		})
	}
}

// A checkout at a release tag is that release; with a change under the
// SDK's folder it is not. The SDK's own tag (go/v1.0.11) wins over the
// repository's (v1.0.9).
func TestDetectSourceVersionFromAReleaseTag(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	repo := t.TempDir()
	writeFiles(t, repo, map[string]string{"go/go.mod": "module github.com/github/copilot-sdk/go\n", "python/pyproject.toml": "version = \"0.0.0.dev0\"\n"})
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	git("add", ".")
	git("commit", "-qm", "release")
	git("tag", "v1.0.9")
	git("tag", "go/v1.0.11")
	golang, _ := Lookup("go")
	python, _ := Lookup("python")

	for _, tc := range []struct {
		sdk           SDK
		dir           string
		want, wantHow string
	}{
		{golang, "go", "1.0.11", "git tag go/v1.0.11"},
		{python, "python", "1.0.9", "git tag v1.0.9"},
	} {
		got, err := tc.sdk.DetectSourceVersion(t.TempDir(), filepath.Join(repo, tc.dir), "")
		if err != nil || got.Version != tc.want || got.From != tc.wantHow {
			t.Errorf("%s: got %+v, %v; want %s from %s", tc.dir, got, err, tc.want, tc.wantHow)
		}
	}

	writeFiles(t, repo, map[string]string{"go/go.mod": "module github.com/github/copilot-sdk/go // changed\n"})
	got, err := golang.DetectSourceVersion(t.TempDir(), filepath.Join(repo, "go"), "")
	if err != nil || got.Known() || !strings.Contains(got.From, "changes since go/v1.0.11") {
		t.Errorf("changed checkout: got %+v, %v; want unknown, saying it changed since the tag", got, err)
	}
}

func TestIsPlaceholderVersion(t *testing.T) {
	for v, want := range map[string]bool{
		"0.0.0.dev0": true, "0.0.0-dev": true, "(devel)": true, "(local) /src/go": true, "": true,
		"1.0.4": false, "v1.0.11": false, "1.0.17-preview.0": false,
	} {
		if got := IsPlaceholderVersion(v); got != want {
			t.Errorf("IsPlaceholderVersion(%q) = %v, want %v", v, got, want)
		}
	}
}
