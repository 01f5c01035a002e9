package sdk

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// isArchive says whether SDK_SOURCE names a gzipped tar archive, e.g. a
// checkout's folder packed as copilot-sdk-java-1.0.11.tar.gz.
func isArchive(path string) bool {
	return strings.HasSuffix(path, ".tar.gz") || strings.HasSuffix(path, ".tgz") || strings.HasSuffix(path, ".crate")
}

// unpackSource unpacks an archive given as SDK_SOURCE into the checkout's
// ignored cache, .cache/sources/<digest of the archive>/, and returns the
// folder it holds (its one top-level folder, when it has one). An archive
// already unpacked is reused; the source tree is never written to.
func unpackSource(root, archive string) (string, error) {
	sum, err := fileDigest(archive)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, ".cache", "sources", sum[:16])
	done := dir + ".unpacked"
	if !exists(done) {
		// A partial unpacking (interrupted) has no marker: start afresh.
		if err := os.RemoveAll(dir); err != nil {
			return "", err
		}
		if err := Untar(archive, dir); err != nil {
			return "", fmt.Errorf("unpacking SDK_SOURCE %s: %w", archive, err)
		}
		if err := os.WriteFile(done, []byte(archive+"\n"), 0o644); err != nil {
			return "", err
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	if len(entries) == 1 && entries[0].IsDir() {
		return filepath.Join(dir, entries[0].Name()), nil
	}
	return dir, nil
}

func fileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Untar unpacks a gzipped tar into dir: regular files and folders only,
// and no entry may land outside dir. (The mutant check unpacks the Java
// release archive with it too.)
func Untar(archive, dir string) error {
	f, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if !filepath.IsLocal(h.Name) {
			return fmt.Errorf("entry %q points outside the archive's folder", h.Name)
		}
		path := filepath.Join(dir, h.Name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(path, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			out, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, os.FileMode(h.Mode&0o755)|0o644)
			if err != nil {
				return err
			}
			_, err = io.Copy(out, tr)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		}
		// Links, devices and the like: an SDK's sources need none.
	}
}

// SourceVersion is the version of an SDK build from SDK_SOURCE, and where
// it was found.
type SourceVersion struct {
	Version string // e.g. "1.0.11"; empty when unknown
	// From says where Version came from ("stated (SDK_SOURCE_VERSION)",
	// "pom.xml", "git tag go/v1.0.11", "archive name"), or, when it is
	// unknown, what was looked at.
	From string
}

// Known says whether the version was found.
func (v SourceVersion) Known() bool { return v.Version != "" }

func (v SourceVersion) String() string {
	if !v.Known() {
		return "version unknown (" + v.From + "; state it with SDK_SOURCE_VERSION=)"
	}
	return v.Version + " (" + v.From + ")"
}

// IsPlaceholderVersion says whether a version an SDK reports is not a
// release's but a stand-in: what a checkout declares until publishing
// writes the real one (python "0.0.0.dev0", node and rust "0.0.0-dev"), or
// what Go's build info says of a module from a workspace or a replace
// ("(devel)", "(local) <dir>").
func IsPlaceholderVersion(v string) bool {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	return v == "" || strings.HasPrefix(v, "0.0.0") || strings.HasPrefix(v, "(")
}

// DetectSourceVersion finds the version of the SDK in source (an
// SDK_SOURCE): the one stated, else the one the source declares (its
// package.json, pyproject.toml, Cargo.toml or pom.xml) unless that is a
// placeholder, else the release tag its git checkout is at (e.g. v1.0.11 or
// go/v1.0.11, with no local change), else the one in an archive's name
// (copilot-sdk-java-1.0.4.tar.gz). Unknown is not an error: the
// SourceVersion then says what was looked at.
func (s SDK) DetectSourceVersion(root, source, stated string) (SourceVersion, error) {
	if stated != "" {
		return SourceVersion{Version: strings.TrimPrefix(stated, "v"), From: "stated (SDK_SOURCE_VERSION)"}, nil
	}
	abs, err := filepath.Abs(source)
	if err != nil {
		return SourceVersion{}, err
	}
	if _, err := os.Stat(abs); err != nil {
		return SourceVersion{}, fmt.Errorf("%s: SDK_SOURCE %s: %w", s.Name, source, err)
	}
	dir := abs
	if isArchive(abs) && s.unpackArchives {
		if dir, err = unpackSource(root, abs); err != nil {
			return SourceVersion{}, err
		}
	}
	var looked []string
	if s.declaredVersion != nil {
		v, from := s.declaredVersion(dir)
		if v != "" && !IsPlaceholderVersion(v) {
			return SourceVersion{Version: v, From: from}, nil
		}
		if from != "" {
			looked = append(looked, fmt.Sprintf("%s says %q", from, v))
		}
	}
	if v, from := gitTagVersion(abs, s.TagPrefix); v != "" {
		return SourceVersion{Version: v, From: from}, nil
	} else if from != "" {
		looked = append(looked, from)
	}
	if m := archiveVersion.FindStringSubmatch(filepath.Base(abs)); m != nil && !IsPlaceholderVersion(m[1]) {
		return SourceVersion{Version: m[1], From: "archive name"}, nil
	}
	if len(looked) == 0 {
		looked = append(looked, "no version declared, no release tag, no version in its name")
	}
	return SourceVersion{From: strings.Join(looked, "; ")}, nil
}

// archiveVersion matches the version in a package or archive name:
// copilot-sdk-java-1.0.4.tar.gz, github_copilot_sdk-1.0.11.tar.gz,
// github_copilot_sdk-1.0.11-py3-none-any.whl, github-copilot-sdk-1.0.4.crate.
var archiveVersion = regexp.MustCompile(`[-_]v?(\d+\.\d+\.\d+(?:[-.][0-9A-Za-z.]+?)?)(?:-py\d.*\.whl|\.tar\.gz|\.tgz|\.crate|\.zip)$`)

var releaseTag = regexp.MustCompile(`^v(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)$`)

// gitTagVersion reads the release tag that the git checkout holding dir
// is at, if it has no local change under dir. The SDK's own tag
// (go/v1.0.11) wins over a repository-wide one (v1.0.11).
func gitTagVersion(dir, prefix string) (version, from string) {
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		return "", ""
	}
	if _, err := exec.LookPath("git"); err != nil {
		return "", ""
	}
	git := func(args ...string) (string, error) {
		out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).Output()
		return strings.TrimSpace(string(out)), err
	}
	if _, err := git("rev-parse", "--git-dir"); err != nil {
		return "", "" // not a checkout
	}
	tags, err := git("tag", "--points-at", "HEAD")
	if err != nil {
		return "", ""
	}
	var general string
	for _, tag := range strings.Fields(tags) {
		rest, own := strings.CutPrefix(tag, prefix)
		if m := releaseTag.FindStringSubmatch(rest); m != nil && own && prefix != "" {
			version, from = m[1], "git tag "+tag
			break
		}
		if m := releaseTag.FindStringSubmatch(tag); m != nil && general == "" {
			general = m[1]
			version, from = m[1], "git tag "+tag
		}
	}
	if version == "" {
		return "", "the git checkout is at no release tag"
	}
	if changes, err := git("status", "--porcelain", "--untracked-files=no", "--", "."); err != nil || changes != "" {
		return "", "the git checkout has changes since " + strings.TrimPrefix(from, "git tag ")
	}
	return version, from
}

// readFromArchive reads one file of a gzipped tar.
func readFromArchive(archive, name string) ([]byte, error) {
	f, err := os.Open(archive)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err != nil {
			return nil, fmt.Errorf("%s: no %s: %w", archive, name, err)
		}
		if h.Name == name && h.Typeflag == tar.TypeReg {
			return io.ReadAll(io.LimitReader(tr, 1<<20))
		}
	}
}

// BuildVersion names a build of the git checkout holding dir that is not
// a release: the newest release tag of the SDK that HEAD descends from
// (its own, python/v1.0.17, over a repository-wide v1.0.17), marked as a
// later build with semver build metadata, "pr.<n>" for pull request n or
// "g<short commit>" without one: 1.0.17+pr.123. At a release tag with no
// local change it is that release's version. from says which tag; an
// error says why no version could be found (no tag reachable, not a
// checkout: a shallow clone has no tags, fetch them).
func (s SDK) BuildVersion(dir, pr string) (version, from string, err error) {
	if v, tagFrom := gitTagVersion(dir, s.TagPrefix); v != "" {
		return v, tagFrom, nil
	}
	git := func(args ...string) (string, error) {
		out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).Output()
		return strings.TrimSpace(string(out)), err
	}
	if _, err := git("rev-parse", "--git-dir"); err != nil {
		return "", "", fmt.Errorf("%s is not a git checkout", dir)
	}
	var tag, release string
	// The SDK's own tags first, then the repository-wide ones.
	for _, pattern := range []string{s.TagPrefix + "v[0-9]*", "v[0-9]*"} {
		if pattern == "v[0-9]*" && tag != "" {
			break
		}
		t, err := git("describe", "--tags", "--abbrev=0", "--match", pattern, "HEAD")
		if err != nil {
			continue
		}
		rest := strings.TrimPrefix(t, s.TagPrefix)
		if m := releaseTag.FindStringSubmatch(rest); m != nil {
			tag, release = t, m[1]
		}
	}
	if tag == "" {
		return "", "", fmt.Errorf("%s: HEAD descends from no release tag (v1.2.3 or %sv1.2.3); a shallow clone has no tags: fetch them (actions/checkout's fetch-depth: 0)", dir, s.TagPrefix)
	}
	meta := "pr." + pr
	if pr == "" {
		commit, err := git("rev-parse", "--short=8", "HEAD")
		if err != nil {
			return "", "", err
		}
		meta = "g" + commit
	}
	return release + "+" + meta, "after git tag " + tag, nil
}
