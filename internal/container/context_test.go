package container

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func write(t *testing.T, root, rel, content string) {
	t.Helper()
	p := filepath.Join(root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func archiveFiles(t *testing.T, b []byte) []string {
	t.Helper()
	var names []string
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			names = append(names, h.Name)
		}
	}
	sort.Strings(names)
	return names
}

// The context holds the Dockerfile, .dockerignore and the included paths
// minus what .dockerignore excludes; the hash follows every input and
// nothing else.
func TestBuildContextAndItsHash(t *testing.T) {
	root := t.TempDir()
	write(t, root, ".dockerignore", "*\n!drivers/\n!docker/\n**/node_modules\ndrivers/go/driver\n")
	write(t, root, "docker/x.Dockerfile", "FROM debian:bookworm-slim\n")
	write(t, root, "drivers/x/main.js", "1")
	write(t, root, "drivers/x/node_modules/dep/index.js", "dep")
	write(t, root, "drivers/go/driver", "binary")
	write(t, root, "drivers/y/other.js", "y")
	write(t, root, "README.md", "not in the context")
	spec := BuildSpec{Root: root, Dockerfile: "docker/x.Dockerfile", Include: []string{"drivers/x", "drivers/go"}, Repo: "r"}

	b, sum, err := buildContext(spec)
	if err != nil {
		t.Fatal(err)
	}
	got := archiveFiles(t, b)
	want := []string{".dockerignore", "docker/x.Dockerfile", "drivers/x/main.js"}
	if len(got) != len(want) {
		t.Fatalf("context files %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("context files %q, want %q", got, want)
		}
	}

	if _, again, _ := buildContext(spec); again != sum {
		t.Fatal("the hash of unchanged inputs changed")
	}
	// Files outside the context, and excluded ones, do not count.
	write(t, root, "drivers/y/other.js", "changed")
	write(t, root, "drivers/x/node_modules/dep/index.js", "changed")
	write(t, root, "drivers/go/driver", "rebuilt")
	if _, h, _ := buildContext(spec); h != sum {
		t.Fatal("a change outside the context changed the hash")
	}
	// A file of the context, the Dockerfile and a build arg do.
	for name, change := range map[string]func(){
		"a driver file":  func() { write(t, root, "drivers/x/main.js", "2") },
		"the Dockerfile": func() { write(t, root, "docker/x.Dockerfile", "FROM debian:bookworm-slim\nRUN true\n") },
		"a build arg":    func() { spec.BuildArgs = map[string]string{"SDK_VERSION": "1.0.4"} },
		"a file's mode": func() {
			if err := os.Chmod(filepath.Join(root, "drivers/x/main.js"), 0o755); err != nil {
				t.Fatal(err)
			}
		},
	} {
		change()
		_, h, err := buildContext(spec)
		if err != nil {
			t.Fatal(err)
		}
		if h == sum {
			t.Fatalf("changing %s did not change the hash", name)
		}
		sum = h
	}

	spec.Dockerfile = "docker/missing.Dockerfile"
	if _, _, err := buildContext(spec); err == nil {
		t.Fatal("no error for a missing Dockerfile")
	}
}

// The real drivers' contexts leave out what the local runner installs or
// builds in the driver folders.
func TestDriverContextsLeaveOutBuildOutput(t *testing.T) {
	for _, sdk := range []string{"node", "go"} {
		b, _, err := buildContext(DriverSpec(repoRoot, sdk, "", nil))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range archiveFiles(t, b) {
			if strings.Contains(name, "node_modules/") || name == "drivers/go/driver" || strings.Contains(name, ".cache/") {
				t.Errorf("%s: %s is in the build context", sdk, name)
			}
		}
	}
}

// SDK_SOURCE reaches the context under docker/sdk-source/: a directory's
// files (without .git and what .dockerignore excludes), or a package file
// under its own name; the folder is there, empty, without a source; what
// the checkout has under that folder never goes in; and the source's
// content counts in the hash.
func TestDriverContextWithSDKSource(t *testing.T) {
	root := t.TempDir()
	write(t, root, ".dockerignore", "*\n!drivers/\n!docker/\n**/node_modules\n**/target\n")
	write(t, root, "docker/x.Dockerfile", "FROM debian:bookworm-slim\n")
	write(t, root, "docker/sdk-source/README.md", "placeholder")
	write(t, root, "drivers/x/main.js", "1")
	src := t.TempDir()
	write(t, src, "pom.xml", "<project/>")
	write(t, src, "sdk/src/main/A.java", "class A {}")
	write(t, src, "sdk/target/old.jar", "built")
	write(t, src, ".git/HEAD", "ref")
	write(t, src, "node_modules/x/index.js", "x")
	wheel := filepath.Join(t.TempDir(), "sdk-1.0-py3-none-any.whl")
	if err := os.WriteFile(wheel, []byte("zip"), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, source string
		files        []string
		arg          bool
	}{
		{"no source", "", []string{".dockerignore", "docker/x.Dockerfile", "drivers/x/main.js"}, false},
		{"a checkout", src, []string{".dockerignore", "docker/sdk-source/pom.xml", "docker/sdk-source/sdk/src/main/A.java", "docker/x.Dockerfile", "drivers/x/main.js"}, true},
		{"a package file", wheel, []string{".dockerignore", "docker/sdk-source/sdk-1.0-py3-none-any.whl", "docker/x.Dockerfile", "drivers/x/main.js"}, true},
	}
	sums := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := DriverSpec(root, "x", tt.source, nil)
			if got := spec.BuildArgs["SDK_SOURCE"] == "1"; got != tt.arg {
				t.Fatalf("build arg SDK_SOURCE set: %v, want %v", got, tt.arg)
			}
			b, sum, err := buildContext(spec)
			if err != nil {
				t.Fatal(err)
			}
			if got := archiveFiles(t, b); strings.Join(got, " ") != strings.Join(tt.files, " ") {
				t.Fatalf("context files\n %q, want\n %q", got, tt.files)
			}
			if !archiveHasDir(t, b, SDKSourceDir+"/") {
				t.Fatalf("no %s/ folder in the context", SDKSourceDir)
			}
			if sums[sum] {
				t.Fatal("the same hash as another source")
			}
			sums[sum] = true
		})
	}
	_, before, _ := buildContext(DriverSpec(root, "x", src, nil))
	write(t, src, "sdk/src/main/A.java", "class A { int x; }")
	if _, after, _ := buildContext(DriverSpec(root, "x", src, nil)); after == before {
		t.Fatal("a change of the SDK source did not change the hash")
	}
	if _, _, err := buildContext(DriverSpec(root, "x", filepath.Join(src, "missing"), nil)); err == nil {
		t.Fatal("no error for a missing SDK_SOURCE")
	}
}

func archiveHasDir(t *testing.T, b []byte, dir string) bool {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return false
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeDir && h.Name == dir {
			return true
		}
	}
}
