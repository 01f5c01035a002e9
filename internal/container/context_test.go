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
		b, _, err := buildContext(DriverSpec(repoRoot, sdk, nil))
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
