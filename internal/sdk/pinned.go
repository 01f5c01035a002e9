package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The PinnedSource of each SDK with mutants (internal/mutants copies what
// they return and breaks the copy one rule at a time).

// preparePinned prepares the pinned driver of an SDK and returns the
// command's path (the venv's interpreter, for Python).
func preparePinned(ctx context.Context, name string, o PinnedSourceOptions) (string, error) {
	cmd, err := registry[name].Prepare(ctx, Options{Root: o.Root, Log: o.Log})
	return cmd.Path, err
}

// nodePinnedSource is the installed npm package (@github/copilot-sdk).
func nodePinnedSource(ctx context.Context, o PinnedSourceOptions) (PinnedRelease, error) {
	if _, err := preparePinned(ctx, "node", o); err != nil {
		return PinnedRelease{}, err
	}
	return PinnedRelease{Dir: filepath.Join(o.Root, "drivers", "node", "node_modules", "@github", "copilot-sdk"), Copy: true}, nil
}

// pythonPinnedSource is the installed copilot package folder (a bare
// package), where the pinned venv's interpreter imports it from.
func pythonPinnedSource(ctx context.Context, o PinnedSourceOptions) (PinnedRelease, error) {
	python, err := preparePinned(ctx, "python", o)
	if err != nil {
		return PinnedRelease{}, err
	}
	out, err := exec.CommandContext(ctx, python, "-I", "-c", "import copilot, os; print(os.path.dirname(copilot.__file__))").Output()
	if err != nil {
		return PinnedRelease{}, fmt.Errorf("locating the copilot package: %w", err)
	}
	return PinnedRelease{Dir: strings.TrimSpace(string(out)), Copy: true}, nil
}

// goPinnedSource downloads the driver's pinned SDK module (a no-op when it
// is in the module cache) and returns its directory there.
func goPinnedSource(ctx context.Context, o PinnedSourceOptions) (PinnedRelease, error) {
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", registry["go"].Registry.Package)
	cmd.Dir = filepath.Join(o.Root, "drivers", "go")
	cmd.Env = append(os.Environ(), "GOWORK=off")
	out, err := cmd.Output()
	if err != nil {
		return PinnedRelease{}, fmt.Errorf("go mod download: %w", err)
	}
	var m struct{ Dir, Error string }
	if err := json.Unmarshal(out, &m); err != nil {
		return PinnedRelease{}, err
	}
	if m.Error != "" || m.Dir == "" {
		return PinnedRelease{}, fmt.Errorf("go mod download: %s", m.Error)
	}
	return PinnedRelease{Dir: m.Dir, Copy: true}, nil
}

// rustPinnedSource asks cargo where the driver's locked SDK crate is
// (cargo fetches it when missing).
func rustPinnedSource(ctx context.Context, o PinnedSourceOptions) (PinnedRelease, error) {
	cmd := exec.CommandContext(ctx, "cargo", "metadata", "--format-version", "1", "--locked")
	cmd.Dir = filepath.Join(o.Root, "drivers", "rust")
	cmd.Stderr = o.Log
	out, err := cmd.Output()
	if err != nil {
		return PinnedRelease{}, fmt.Errorf("cargo metadata: %w", err)
	}
	var meta struct {
		Packages []struct {
			Name         string `json:"name"`
			ManifestPath string `json:"manifest_path"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(out, &meta); err != nil {
		return PinnedRelease{}, err
	}
	for _, p := range meta.Packages {
		if p.Name == registry["rust"].Registry.Package {
			return PinnedRelease{Dir: filepath.Dir(p.ManifestPath), Copy: true}, nil
		}
	}
	return PinnedRelease{}, errors.New("cargo metadata lists no github-copilot-sdk package")
}

// javaPinnedSource unpacks the release's source archive (the Maven
// registry here does not serve the SDK) into o.Dir and returns its java/
// folder.
func javaPinnedSource(_ context.Context, o PinnedSourceOptions) (PinnedRelease, error) {
	archive := o.Archive
	if archive == "" {
		archive = filepath.Join(o.Root, "..", "shared", "sdk-sources", "copilot-sdk-java-"+o.Version+".tar.gz")
	}
	if err := Untar(archive, o.Dir); err != nil {
		return PinnedRelease{}, fmt.Errorf("unpacking %s: %w", archive, err)
	}
	dir := filepath.Join(o.Dir, "copilot-sdk-java-"+o.Version, "java")
	if _, err := os.Stat(filepath.Join(dir, "pom.xml")); err != nil {
		return PinnedRelease{}, fmt.Errorf("%s has no copilot-sdk-java-%s/java/pom.xml", archive, o.Version)
	}
	return PinnedRelease{Dir: dir}, nil
}
