package sdk

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"conformance/internal/driver"
)

const rustSDKCrate = "github-copilot-sdk"

func init() {
	register(SDK{
		Name:      "rust",
		Toolchain: "Rust toolchain (cargo)",
		Programs:  []string{"cargo"},
		prepare:   prepareRust,
		// A packed checkout, or a .crate as crates.io serves it.
		unpackArchives:  true,
		declaredVersion: rustDeclaredVersion,
		Column:          4,
		Registry:        Registry{Kind: RegistryCrates, Package: rustSDKCrate, Lists: true},
		TagPrefix:       "rust/",
		PinnedSource:    rustPinnedSource,
	})
}

// rustDriverFiles are the driver crate's files, relative to drivers/rust.
var rustDriverFiles = []string{"Cargo.toml", "build.rs", filepath.Join("src", "main.rs"), filepath.Join(".cargo", "config.toml")}

// rustSDKDependency matches the pinned SDK dependency line in the driver's
// Cargo.toml: the one thing an SDK_VERSION or SDK_SOURCE build changes.
var rustSDKDependency = regexp.MustCompile(`(?m)^` + rustSDKCrate + ` = \{ version = "=[^"]*".*$`)

// rustRuntimeFeature is the SDK's feature that holds Client::start and its
// transports (1.0.16 on); earlier releases have them without a feature.
const rustRuntimeFeature = "runtime"

// rustDependencyLine is the driver's dependency on the SDK at spec
// (`version = "=1.0.4"` or `path = '...'`): without default features (the
// default bundled-cli downloads the Copilot CLI at build time), with the
// runtime feature where the SDK has it.
func rustDependencyLine(spec string, hasRuntimeFeature bool) string {
	line := rustSDKCrate + " = { " + spec + ", default-features = false"
	if hasRuntimeFeature {
		line += `, features = ["` + rustRuntimeFeature + `"]`
	}
	return line + " }"
}

// prepareRust builds the driver with cargo. All builds share one target
// directory in the ignored cache, so the SDK's dependencies compile once;
// each build's binary is then linked to a place of its own. The pinned
// build uses drivers/rust and its Cargo.lock as they are (--locked);
// another published version, or a local crate (SDK_SOURCE, as a path
// dependency), builds from a copy under .cache/drivers/ whose Cargo.toml
// differs only in the SDK's dependency line.
func prepareRust(ctx context.Context, o Options) (driver.Command, error) {
	src := o.driverDir("rust")
	target := o.cacheDir("rust-target")
	// The SDK's build script would download the Copilot CLI when its
	// `runtime` feature is on, unless told not to (drivers/rust/.cargo/
	// config.toml says the same for builds by hand).
	env := []string{"CARGO_TARGET_DIR=" + target, "COPILOT_SKIP_CLI_DOWNLOAD=1"}
	dir, args := src, []string{"build", "--release", "--locked"}
	var dependency string
	switch {
	case o.Version != "":
		features, err := rustPublishedFeatures(ctx, o, o.Version)
		if err != nil {
			return driver.Command{}, err
		}
		dir, dependency = o.cacheDir("rust@"+o.Version), rustDependencyLine(fmt.Sprintf(`version = "=%s"`, o.Version), features[rustRuntimeFeature])
	case o.Source != "":
		crate, err := rustSDKCrateDir(o.Source)
		if err != nil {
			return driver.Command{}, err
		}
		if strings.ContainsAny(crate, "'\n") {
			return driver.Command{}, fmt.Errorf("SDK_SOURCE %s: a path with a quote or newline cannot go into Cargo.toml", crate)
		}
		manifest, err := os.ReadFile(filepath.Join(crate, "Cargo.toml"))
		if err != nil {
			return driver.Command{}, err
		}
		hasRuntime := regexp.MustCompile(`(?m)^` + rustRuntimeFeature + `\s*=`).Match(manifest)
		dir, dependency = o.cacheDir(o.sourceCacheName("rust")), rustDependencyLine(fmt.Sprintf(`path = '%s'`, crate), hasRuntime)
	}
	if dir != src {
		if err := copyRustDriver(src, dir, dependency); err != nil {
			return driver.Command{}, err
		}
		// Cargo resolves the changed requirement, keeping every other
		// locked version it can.
		args = []string{"build", "--release"}
	}
	if err := run(ctx, o, dir, env, "cargo", args...); err != nil {
		return driver.Command{}, err
	}
	out := o.cacheDir(filepath.Base(dir), "driver")
	if dir == src {
		out = o.cacheDir("rust", "driver")
	}
	if err := linkFile(filepath.Join(target, "release", "conformance-driver-rust"), out); err != nil {
		return driver.Command{}, err
	}
	return driver.Command{Path: out}, nil
}

// rustPackageVersion matches the driver package's own version line, the
// first version key of its Cargo.toml.
var rustPackageVersion = regexp.MustCompile(`(?m)^version = "0\.0\.0"$`)

// rustCopyVersion is the package version of the driver's copy in dir:
// 0.0.0 with the copy's folder as its pre-release tag (rust@1.0.4 gives
// 0.0.0-rust-1-0-4). Cargo names a package's build outputs in the shared
// target directory by its name and version, not by its folder, so copies
// that all said 0.0.0 rebuilt the driver over each other's outputs on
// every switch between them (the pinned build after rust@1.0.4: "the
// rerun-if-changed instructions changed", two minutes of compiling).
func rustCopyVersion(dir string) string {
	tag := notInPreRelease.ReplaceAllString(filepath.Base(dir), "-")
	return "0.0.0-" + strings.Trim(tag, "-")
}

// notInPreRelease matches what a semver pre-release tag may not hold.
var notInPreRelease = regexp.MustCompile(`[^0-9A-Za-z-]+`)

// copyRustDriver copies the driver crate to dir with the SDK dependency
// line and the package's version rewritten (rustCopyVersion), touching
// only files whose content changed (cargo rebuilds on modification
// times). Cargo.lock is copied once, as the starting point of the copy's
// own resolution.
func copyRustDriver(src, dir, dependency string) error {
	for _, name := range rustDriverFiles {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			return err
		}
		if name == "Cargo.toml" {
			if !rustSDKDependency.Match(b) {
				return fmt.Errorf("%s: no pinned %s dependency line to rewrite", filepath.Join(src, name), rustSDKCrate)
			}
			b = rustSDKDependency.ReplaceAllLiteral(b, []byte(dependency))
			if !rustPackageVersion.Match(b) {
				return fmt.Errorf("%s: no version = \"0.0.0\" line for the copy's own version", filepath.Join(src, name))
			}
			b = rustPackageVersion.ReplaceAllLiteral(b, []byte(`version = "`+rustCopyVersion(dir)+`"`))
		}
		if err := writeIfChanged(filepath.Join(dir, name), b); err != nil {
			return err
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "Cargo.lock")); os.IsNotExist(err) {
		return copyFiles(src, dir, "Cargo.lock")
	}
	return nil
}

func writeIfChanged(path string, b []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, b) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// linkFile makes dst a hard link to src (cargo replaces its outputs rather
// than rewriting them, so the link keeps this build's binary).
func linkFile(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if err := removeIfExists(dst); err != nil {
		return err
	}
	return os.Link(src, dst)
}

// rustSDKCrateDir finds the SDK crate for SDK_SOURCE: a directory whose
// Cargo.toml is the github-copilot-sdk package (an unpacked crate, or rust/
// of an SDK checkout), or a checkout holding it in rust/.
func rustSDKCrateDir(source string) (string, error) {
	for _, dir := range []string{source, filepath.Join(source, "rust")} {
		b, err := os.ReadFile(filepath.Join(dir, "Cargo.toml"))
		if err == nil && regexp.MustCompile(`(?m)^name = "`+rustSDKCrate+`"`).Match(b) {
			return dir, nil
		}
	}
	return "", fmt.Errorf("SDK_SOURCE %s: no Cargo.toml of the %s package there, nor in rust/", source, rustSDKCrate)
}

// rustCrateVersion matches the version in a crate's [package] table (the
// first version key of its Cargo.toml).
var rustCrateVersion = regexp.MustCompile(`(?m)^version\s*=\s*"([^"]+)"`)

// rustDeclaredVersion reads the SDK crate's version from its Cargo.toml.
func rustDeclaredVersion(source string) (version, from string) {
	crate, err := rustSDKCrateDir(source)
	if err != nil {
		return "", ""
	}
	b, _ := os.ReadFile(filepath.Join(crate, "Cargo.toml"))
	if m := rustCrateVersion.FindSubmatch(b); m != nil {
		return string(m[1]), "Cargo.toml"
	}
	return "", ""
}

// rustPublishedFeatures asks cargo which features a published release of
// the SDK declares (cargo info reads the registry's index).
func rustPublishedFeatures(ctx context.Context, o Options, version string) (map[string]bool, error) {
	var out bytes.Buffer
	if err := run(ctx, Options{Root: o.Root, Log: io.MultiWriter(o.Log, &out)}, o.Root, nil,
		"cargo", "info", "--quiet", rustSDKCrate+"@"+version); err != nil {
		return nil, err
	}
	features := map[string]bool{}
	inFeatures := false
	for _, line := range strings.Split(out.String(), "\n") {
		switch {
		case strings.HasPrefix(line, "features:"):
			inFeatures = true
		case inFeatures && strings.HasPrefix(line, " "):
			// " +default      = [bundled-cli]": + marks a default feature.
			name, _, _ := strings.Cut(strings.TrimLeft(line, " +"), " ")
			features[name] = true
		default:
			inFeatures = false
		}
	}
	if len(features) == 0 {
		return nil, fmt.Errorf("cargo info %s@%s listed no features", rustSDKCrate, version)
	}
	return features, nil
}
