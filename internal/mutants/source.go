package mutants

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"conformance/internal/sdk"
)

// SourceOptions says where an SDK's pinned release comes from and where
// its copy goes.
type SourceOptions struct {
	Root string    // the suite's checkout
	Dir  string    // the copy goes here, replacing what was there
	Log  io.Writer // output of installs and builds
	// JavaArchive is the source archive of the Java release (the Maven
	// registry here does not serve it); default
	// ../shared/sdk-sources/copilot-sdk-java-<version>.tar.gz from Root.
	JavaArchive string
}

// Source copies the pinned release of an SDK, as SDK_SOURCE takes it, to
// o.Dir and returns the path to give SDK_SOURCE; the edits of a mutant
// table are relative to it. The copy is writable and never the installed
// original, which other runs use.
//
//   - node: the installed npm package (@github/copilot-sdk)
//   - python: the installed copilot package folder (a bare package)
//   - go: the module from the Go module cache
//   - rust: the crate from cargo's registry sources
//   - java: the java/ folder of the release's source archive
func Source(ctx context.Context, name, version string, o SourceOptions) (string, error) {
	if err := os.RemoveAll(o.Dir); err != nil {
		return "", err
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	dst := filepath.Join(o.Dir, "sdk")
	var from string
	var err error
	switch name {
	case "node":
		from, err = nodePackage(ctx, o)
	case "python":
		from, err = pythonPackage(ctx, o)
	case "go":
		from, err = goModule(ctx, o)
	case "rust":
		from, err = rustCrate(ctx, o)
	case "java":
		return javaSource(version, o)
	default:
		return "", fmt.Errorf("no pinned source to copy for SDK %q", name)
	}
	if err != nil {
		return "", fmt.Errorf("%s: finding the pinned SDK to copy: %w", name, err)
	}
	if err := copyTree(from, dst); err != nil {
		return "", fmt.Errorf("%s: copying %s: %w", name, from, err)
	}
	return dst, nil
}

func prepare(ctx context.Context, name string, o SourceOptions) (string, error) {
	s, err := sdk.Lookup(name)
	if err != nil {
		return "", err
	}
	cmd, err := s.Prepare(ctx, sdk.Options{Root: o.Root, Log: o.Log})
	return cmd.Path, err
}

func nodePackage(ctx context.Context, o SourceOptions) (string, error) {
	if _, err := prepare(ctx, "node", o); err != nil {
		return "", err
	}
	return filepath.Join(o.Root, "drivers", "node", "node_modules", "@github", "copilot-sdk"), nil
}

// pythonPackage asks the pinned venv's interpreter where it imports the
// SDK from.
func pythonPackage(ctx context.Context, o SourceOptions) (string, error) {
	python, err := prepare(ctx, "python", o)
	if err != nil {
		return "", err
	}
	out, err := exec.CommandContext(ctx, python, "-I", "-c", "import copilot, os; print(os.path.dirname(copilot.__file__))").Output()
	if err != nil {
		return "", fmt.Errorf("locating the copilot package: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// goModule downloads the driver's pinned SDK module (a no-op when it is in
// the module cache) and returns its directory there.
func goModule(ctx context.Context, o SourceOptions) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", "github.com/github/copilot-sdk/go")
	cmd.Dir = filepath.Join(o.Root, "drivers", "go")
	cmd.Env = append(os.Environ(), "GOWORK=off")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download: %w", err)
	}
	var m struct{ Dir, Error string }
	if err := json.Unmarshal(out, &m); err != nil {
		return "", err
	}
	if m.Error != "" || m.Dir == "" {
		return "", fmt.Errorf("go mod download: %s", m.Error)
	}
	return m.Dir, nil
}

// rustCrate asks cargo where the driver's locked SDK crate is (cargo
// fetches it when missing).
func rustCrate(ctx context.Context, o SourceOptions) (string, error) {
	cmd := exec.CommandContext(ctx, "cargo", "metadata", "--format-version", "1", "--locked")
	cmd.Dir = filepath.Join(o.Root, "drivers", "rust")
	cmd.Stderr = o.Log
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("cargo metadata: %w", err)
	}
	var meta struct {
		Packages []struct {
			Name         string `json:"name"`
			ManifestPath string `json:"manifest_path"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(out, &meta); err != nil {
		return "", err
	}
	for _, p := range meta.Packages {
		if p.Name == "github-copilot-sdk" {
			return filepath.Dir(p.ManifestPath), nil
		}
	}
	return "", errors.New("cargo metadata lists no github-copilot-sdk package")
}

// javaSource unpacks the release's source archive and returns its java/
// folder.
func javaSource(version string, o SourceOptions) (string, error) {
	archive := o.JavaArchive
	if archive == "" {
		archive = filepath.Join(o.Root, "..", "shared", "sdk-sources", "copilot-sdk-java-"+version+".tar.gz")
	}
	if err := sdk.Untar(archive, o.Dir); err != nil {
		return "", fmt.Errorf("java: unpacking %s: %w", archive, err)
	}
	dir := filepath.Join(o.Dir, "copilot-sdk-java-"+version, "java")
	if _, err := os.Stat(filepath.Join(dir, "pom.xml")); err != nil {
		return "", fmt.Errorf("java: %s has no copilot-sdk-java-%s/java/pom.xml", archive, version)
	}
	return dir, nil
}

// copyTree copies the regular files under src to dst, writable, leaving out
// Python's bytecode caches.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir() && d.Name() == "__pycache__":
			return filepath.SkipDir
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case !d.Type().IsRegular():
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		return writeFile(target, in, info.Mode().Perm()|0o600)
	})
}

func writeFile(path string, r io.Reader, mode fs.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, r); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
