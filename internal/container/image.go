package container

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/moby/moby/client"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	"github.com/testcontainers/testcontainers-go"
)

// BuildSpec says how to build an image.
type BuildSpec struct {
	// Root is the build context directory (for the drivers, the checkout).
	// Its .dockerignore, if any, applies as it does to `docker build Root`.
	Root string
	// Dockerfile is the Dockerfile's path relative to Root.
	Dockerfile string
	// Include lists what of Root goes into the context, as paths relative to
	// Root (files or directories), e.g. "drivers/node". The Dockerfile and
	// .dockerignore always go in. Only these are sent and hashed, so a change
	// elsewhere in the checkout does not rebuild the image.
	Include []string
	// Extra puts things from outside Root into the context: each key is a
	// folder of the context (e.g. "docker/sdk-source"), each value a host
	// directory whose files go under it, a host file that goes in under its
	// own name, or "" for the folder alone. Whatever Root has under such a
	// folder is left out, and so are .git folders and what .dockerignore
	// excludes (matched as paths of the context). This is how SDK_SOURCE
	// reaches a build: the legacy builder has no other build contexts.
	Extra map[string]string
	// BuildArgs are the Dockerfile's ARGs.
	BuildArgs map[string]string
	// Repo names the image; the tag is derived from the inputs.
	Repo string
	// Log receives the build output (nil: discarded).
	Log io.Writer
}

// Image is a built (or reused) image.
type Image struct {
	// Ref is repo:tag, e.g. conformance-driver-node:3f2a...
	Ref string
	// Reused is true when an image of these exact inputs existed already.
	Reused bool
	// Took is how long Build took, including the check for an existing image.
	Took time.Duration
}

// SDKSourceDir is the folder of a driver's build context that holds
// SDK_SOURCE; each docker/<sdk>.Dockerfile copies it to /sdk-source/ and,
// with its SDK_SOURCE build argument set, installs the SDK from there.
const SDKSourceDir = "docker/sdk-source"

// DriverSpec is the build of drivers/<sdk> with docker/<sdk>.Dockerfile,
// in the checkout at root, with the Dockerfile's ARGs set from args (e.g.
// SDK_VERSION). source, when not empty, is SDK_SOURCE: a directory or a
// package file, put at SDKSourceDir of the context, with the build
// argument SDK_SOURCE=1.
func DriverSpec(root, sdk, source string, args map[string]string) BuildSpec {
	all := map[string]string{}
	for k, v := range args {
		all[k] = v
	}
	if source != "" {
		all["SDK_SOURCE"] = "1"
	}
	return BuildSpec{
		Root:       root,
		Dockerfile: "docker/" + sdk + ".Dockerfile",
		Include:    []string{"drivers/" + sdk},
		Extra:      map[string]string{SDKSourceDir: source},
		BuildArgs:  all,
		Repo:       "conformance-driver-" + sdk,
	}
}

// Build makes the image of spec available and returns its reference. The
// tag is a hash of every input (the Dockerfile, each file of the context
// with its mode, the build args), so an image whose inputs have not changed
// is reused without asking the engine to build. The base images the
// Dockerfile names must be available (docker/base-images.sh).
//
// RUN steps get host networking (the package registries are reached from
// the host's network; an engine without a bridge network has no other).
func Build(ctx context.Context, spec BuildSpec) (Image, error) {
	start := time.Now()
	if spec.Log == nil {
		spec.Log = io.Discard
	}
	archive, sum, err := buildContext(spec)
	if err != nil {
		return Image{}, err
	}
	tag := sum[:16]
	ref := spec.Repo + ":" + tag
	cli, err := apiClient()
	if err != nil {
		return Image{}, err
	}
	if _, err := cli.ImageInspect(ctx, ref); err == nil {
		fmt.Fprintf(spec.Log, "image %s: inputs unchanged, reused\n", ref)
		return Image{Ref: ref, Reused: true, Took: time.Since(start)}, nil
	} else if !isNotFound(err) {
		return Image{}, fmt.Errorf("inspecting image %s: %w", ref, err)
	}

	p, err := dockerProvider()
	if err != nil {
		return Image{}, err
	}
	args := map[string]*string{}
	for k, v := range spec.BuildArgs {
		args[k] = &v
	}
	fmt.Fprintf(spec.Log, "image %s: building %s (context: %s of %s)\n", ref, spec.Dockerfile, strings.Join(spec.Include, ", "), spec.Root)
	req := testcontainers.ContainerRequest{FromDockerfile: testcontainers.FromDockerfile{
		ContextArchive: bytes.NewReader(archive),
		Dockerfile:     spec.Dockerfile,
		Repo:           spec.Repo,
		Tag:            tag,
		BuildArgs:      args,
		BuildLogWriter: spec.Log,
		KeepImage:      true,
		BuildOptionsModifier: func(o *client.ImageBuildOptions) {
			o.NetworkMode = "host"
			// One label (each is a build step of its own for the legacy
			// builder); the tag already is the inputs' hash.
			o.Labels = map[string]string{LabelKey: LabelValue}
			o.PullParent = false // the base images may be local stand-ins
		},
	}}
	if _, err := p.BuildImage(ctx, &req); err != nil {
		return Image{}, fmt.Errorf("building %s from %s: %w", ref, spec.Dockerfile, err)
	}
	took := time.Since(start)
	fmt.Fprintf(spec.Log, "image %s: built in %s\n", ref, took.Round(100*time.Millisecond))
	return Image{Ref: ref, Took: took}, nil
}

// RemoveImages removes every image this package built (any tag of any
// repo carrying the suite's label) and returns how many.
func RemoveImages(ctx context.Context) (int, error) {
	cli, err := apiClient()
	if err != nil {
		return 0, err
	}
	list, err := cli.ImageList(ctx, client.ImageListOptions{Filters: labelFilter()})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, img := range list.Items {
		if _, err := cli.ImageRemove(ctx, img.ID, client.ImageRemoveOptions{Force: true, PruneChildren: true}); err != nil && !isNotFound(err) {
			return n, fmt.Errorf("removing image %s: %w", shortID(img.ID), err)
		}
		n++
	}
	return n, nil
}

// buildContext returns the build context as a tar archive (deterministic:
// sorted, no times or owners) and the hex SHA-256 of everything that
// determines the image: the archive and the build args.
func buildContext(spec BuildSpec) ([]byte, string, error) {
	root, err := filepath.Abs(spec.Root)
	if err != nil {
		return nil, "", err
	}
	ignore, err := readDockerignore(root)
	if err != nil {
		return nil, "", err
	}
	// files maps each context path to the host file it comes from.
	files := map[string]string{}
	add := func(rel string) { files[filepath.ToSlash(rel)] = filepath.Join(root, rel) }
	underExtra := func(rel string) bool {
		for dir := range spec.Extra {
			if rel == dir || strings.HasPrefix(rel, dir+"/") {
				return true
			}
		}
		return false
	}
	add(spec.Dockerfile)
	if _, err := os.Stat(filepath.Join(root, ".dockerignore")); err == nil {
		add(".dockerignore")
	}
	for _, inc := range spec.Include {
		err := filepath.WalkDir(filepath.Join(root, inc), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			rel = filepath.ToSlash(rel)
			excluded, err := ignore.MatchesOrParentMatches(rel)
			if err != nil {
				return err
			}
			if d.IsDir() {
				if excluded && !reincludedBelow(ignore, rel) {
					return filepath.SkipDir
				}
				return nil
			}
			if !excluded && !underExtra(rel) && (d.Type().IsRegular() || d.Type()&fs.ModeSymlink != 0) {
				add(rel)
			}
			return nil
		})
		if err != nil {
			return nil, "", fmt.Errorf("build context %s: %w", inc, err)
		}
	}
	extraDirs := make([]string, 0, len(spec.Extra))
	for dir, host := range spec.Extra {
		dir = strings.Trim(filepath.ToSlash(dir), "/")
		extraDirs = append(extraDirs, dir)
		if host == "" {
			continue
		}
		if err := addExtra(files, ignore, dir, host); err != nil {
			return nil, "", err
		}
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)

	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]bool{}
	// Each Extra folder is there even when empty: the Dockerfiles COPY it
	// unconditionally.
	sort.Strings(extraDirs)
	for _, extra := range extraDirs {
		for _, dir := range append(parents(extra+"/x"), extra) {
			if !dirs[dir] {
				dirs[dir] = true
				if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: dir + "/", Mode: 0o755, Format: tar.FormatPAX}); err != nil {
					return nil, "", err
				}
			}
		}
	}
	for _, name := range names {
		// Parent directories first, as docker's own context archives have them.
		for _, dir := range parents(name) {
			if !dirs[dir] {
				dirs[dir] = true
				if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: dir + "/", Mode: 0o755, Format: tar.FormatPAX}); err != nil {
					return nil, "", err
				}
			}
		}
		full := files[name]
		fi, err := os.Lstat(full)
		if err != nil {
			return nil, "", fmt.Errorf("build context: %w", err)
		}
		hdr := &tar.Header{Name: name, Mode: 0o644, Format: tar.FormatPAX}
		if fi.Mode()&0o111 != 0 {
			hdr.Mode = 0o755
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(full)
			if err != nil {
				return nil, "", err
			}
			hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, target
			if err := tw.WriteHeader(hdr); err != nil {
				return nil, "", err
			}
			continue
		}
		b, err := os.ReadFile(full)
		if err != nil {
			return nil, "", fmt.Errorf("build context: %w", err)
		}
		hdr.Typeflag, hdr.Size = tar.TypeReg, int64(len(b))
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, "", err
		}
		if _, err := tw.Write(b); err != nil {
			return nil, "", err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, "", err
	}
	if _, ok := files[filepath.ToSlash(spec.Dockerfile)]; !ok || !fileExists(filepath.Join(root, spec.Dockerfile)) {
		return nil, "", fmt.Errorf("no Dockerfile %s in %s", spec.Dockerfile, root)
	}

	h := sha256.New()
	h.Write(buf.Bytes())
	keys := make([]string, 0, len(spec.BuildArgs))
	for k := range spec.BuildArgs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(h, "\x00arg %s=%s", k, spec.BuildArgs[k])
	}
	return buf.Bytes(), hex.EncodeToString(h.Sum(nil)), nil
}

// addExtra adds host (a directory or a file) under the context folder dir.
func addExtra(files map[string]string, ignore *patternmatcher.PatternMatcher, dir, host string) error {
	fi, err := os.Stat(host)
	if err != nil {
		return fmt.Errorf("build context %s: %w", dir, err)
	}
	if !fi.IsDir() {
		files[dir+"/"+filepath.Base(host)] = host
		return nil
	}
	return filepath.WalkDir(host, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(host, p)
		if rel == "." {
			return nil
		}
		name := dir + "/" + filepath.ToSlash(rel)
		excluded, err := ignore.MatchesOrParentMatches(name)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" || (excluded && !reincludedBelow(ignore, name)) {
				return filepath.SkipDir
			}
			return nil
		}
		if !excluded && (d.Type().IsRegular() || d.Type()&fs.ModeSymlink != 0) {
			files[name] = p
		}
		return nil
	})
}

func readDockerignore(root string) (*patternmatcher.PatternMatcher, error) {
	var patterns []string
	f, err := os.Open(filepath.Join(root, ".dockerignore"))
	switch {
	case err == nil:
		defer f.Close()
		if patterns, err = ignorefile.ReadAll(f); err != nil {
			return nil, fmt.Errorf(".dockerignore: %w", err)
		}
	case !os.IsNotExist(err):
		return nil, err
	}
	return patternmatcher.New(patterns)
}

// reincludedBelow reports whether an exclusion pattern (!pattern) could
// bring back something under the excluded directory dir, in which case the
// walk must go into it.
func reincludedBelow(pm *patternmatcher.PatternMatcher, dir string) bool {
	for _, p := range pm.Patterns() {
		if p.Exclusion() && strings.HasPrefix(p.String(), dir+"/") {
			return true
		}
	}
	return false
}

func parents(name string) []string {
	var out []string
	for dir := path.Dir(name); dir != "." && dir != "/"; dir = path.Dir(dir) {
		out = append([]string{dir}, out...)
	}
	return out
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}
