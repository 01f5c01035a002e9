package mutants

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"conformance/internal/sdk"
)

// SourceOptions says where an SDK's pinned release comes from and where
// its copy goes.
type SourceOptions struct {
	Root string    // the suite's checkout
	Dir  string    // the copy goes here, replacing what was there
	Log  io.Writer // output of installs and builds
	// Source, when set, is where the pinned release's sources are instead
	// of where the SDK's entry finds them (SDK=<sdk>+<source>): a folder,
	// copied as it is, or an archive for an SDK whose registry here does
	// not serve the release (Java's default:
	// ../shared/sdk-sources/copilot-sdk-java-<version>.tar.gz from Root).
	Source string
}

// Source copies the pinned release of an SDK, as SDK_SOURCE takes it, to
// o.Dir and returns the path to give SDK_SOURCE; the edits of a mutant
// table are relative to it. The copy is writable and never the installed
// original, which other runs use. Where the release's sources are is the
// SDK's own fact (sdk.SDK.PinnedSource).
func Source(ctx context.Context, name, version string, o SourceOptions) (string, error) {
	s, err := sdk.Lookup(name)
	if err != nil {
		return "", err
	}
	if s.PinnedSource == nil {
		return "", fmt.Errorf("no pinned source to copy for SDK %q", name)
	}
	if err := os.RemoveAll(o.Dir); err != nil {
		return "", err
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	var release sdk.PinnedRelease
	if fi, statErr := os.Stat(o.Source); o.Source != "" && statErr == nil && fi.IsDir() {
		release = sdk.PinnedRelease{Dir: o.Source, Copy: true}
	} else {
		release, err = s.PinnedSource(ctx, sdk.PinnedSourceOptions{Root: o.Root, Version: version, Archive: o.Source, Dir: o.Dir, Log: o.Log})
	}
	if err != nil {
		return "", fmt.Errorf("%s: finding the pinned SDK to copy: %w", name, err)
	}
	if !release.Copy {
		return release.Dir, nil
	}
	dst := filepath.Join(o.Dir, "sdk")
	if err := copyTree(release.Dir, dst); err != nil {
		return "", fmt.Errorf("%s: copying %s: %w", name, release.Dir, err)
	}
	return dst, nil
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
