// Package sdk knows, for each SDK the suite covers, how to turn its driver
// into a runnable command: which toolchain it needs, how to install the
// pinned SDK package, another published version (SDK_VERSION), or a local
// SDK checkout (SDK_SOURCE).
package sdk

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"conformance/internal/driver"
)

// Options says which build of an SDK's driver to prepare.
type Options struct {
	// Root is the suite's checkout (where drivers/ is).
	Root string
	// Version, when set, is a published SDK version to use instead of the
	// driver's pinned one.
	Version string
	// Source, when set, is a local SDK checkout, build or package to use
	// instead of the registry's.
	Source string
	// Log receives the output of installs and builds.
	Log io.Writer
}

// sourceCacheName names the cache folder of a build from o.Source:
// <sdk>-source-<digest of its path>, so that builds from different
// sources (two releases' archives, say) keep a folder each.
func (o Options) sourceCacheName(sdk string) string {
	sum := sha256.Sum256([]byte(o.Source))
	return sdk + "-source-" + hex.EncodeToString(sum[:])[:12]
}

func (o Options) driverDir(name string) string { return filepath.Join(o.Root, "drivers", name) }

// cacheDir is where prepared drivers live: inside the checkout, ignored by
// git, so that CI caches stay with the checkout and nothing is written
// elsewhere.
func (o Options) cacheDir(parts ...string) string {
	return filepath.Join(append([]string{o.Root, ".cache", "drivers"}, parts...)...)
}

// SDK is one SDK the suite can run.
type SDK struct {
	Name string
	// Toolchain names what the driver needs ("Node.js", ".NET SDK") and
	// Programs what of it must be on PATH.
	Toolchain string
	Programs  []string
	prepare   func(ctx context.Context, o Options) (driver.Command, error)
	// unpackArchives says that an SDK_SOURCE archive (.tar.gz) is a
	// packed checkout, to unpack before use, rather than a package the
	// SDK's own tools install as it is (an sdist, an npm tarball).
	unpackArchives bool
	// declaredVersion reads the version an SDK source folder (or package)
	// declares, and says where it read it; nil when the SDK's sources
	// declare none (Go).
	declaredVersion func(source string) (version, from string)

	// DisplayName is the name readers know the SDK by, where it is not
	// Name (".NET"); the dashboard heads its columns with it.
	DisplayName string
	// Column is the SDK's place among the dashboard's columns (Ordered),
	// lowest first.
	Column int
	// Registry is where the SDK's package is published: the version
	// matrix lists its versions there, and CI asks it for the newest.
	Registry Registry
	// TagPrefix is the prefix of the SDK's own release tags in the SDK
	// repository ("go/" of go/v1.0.11); tags without one (v1.0.11) are
	// the repository-wide releases.
	TagPrefix string
	// ReleaseTags are the SDK's released versions read from the upstream
	// release tags (ReleaseTagPattern), for an SDK whose registry does not
	// list its versions here: the one place to add such a release.
	ReleaseTags       []string
	ReleaseTagPattern string
	// PinnedSource finds the sources of the driver's pinned release, as
	// SDK_SOURCE takes them, for the mutants (internal/mutants) to copy
	// and break; nil when the SDK has no mutants. See PinnedSourceOptions.
	PinnedSource func(ctx context.Context, o PinnedSourceOptions) (PinnedRelease, error)
	// MutantEnv is set in the environment of the mutants' builds, to make
	// rebuilding a copy once per mutant cheaper.
	MutantEnv map[string]string
	// Exempt names the files of the completeness check (sdk_test.go)
	// that the SDK lacks on purpose ("mutants"), each with the reason.
	Exempt map[string]string
}

// Registry is a package registry and the SDK's package there.
type Registry struct {
	// Kind is the ecosystem: npm, pypi, crates, goproxy, maven or nuget.
	Kind string
	// Package is the SDK's name there: an npm package, a PyPI project, a
	// crate, a Go module, a Maven groupId:artifactId, a NuGet id.
	Package string
	// Lists says whether the registry, as reached from here, lists the
	// package's versions; where not, ReleaseTags stand in.
	Lists bool
}

// The registry kinds.
const (
	RegistryNPM     = "npm"
	RegistryPyPI    = "pypi"
	RegistryCrates  = "crates"
	RegistryGoProxy = "goproxy"
	RegistryMaven   = "maven"
	RegistryNuGet   = "nuget"
)

// PinnedSourceOptions says where the suite is and, for an SDK whose pinned
// release is not installed from a registry here (Java), which release and
// which source archive of it.
type PinnedSourceOptions struct {
	Root    string
	Version string // the release (the mutant set's)
	// Archive is the release's source archive; empty: the SDK's default
	// place (../shared/sdk-sources/ beside the checkout).
	Archive string
	// Dir is a scratch folder the SDK may unpack an archive into.
	Dir string
	Log io.Writer
}

// PinnedRelease is where a pinned release's sources are. Copy says
// whether they are an installed original that others use (so the caller
// must copy them before editing) or already a private copy in
// PinnedSourceOptions.Dir.
type PinnedRelease struct {
	Dir  string
	Copy bool
}

// Ordered lists the registered SDKs in their dashboard order (Column).
func Ordered() []SDK {
	var out []SDK
	for _, s := range registry {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Column != out[j].Column {
			return out[i].Column < out[j].Column
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Title is the name readers know the SDK by.
func (s SDK) Title() string {
	if s.DisplayName != "" {
		return s.DisplayName
	}
	return s.Name
}

var registry = map[string]SDK{}

func register(s SDK) { registry[s.Name] = s }

// Names lists the SDKs the suite has drivers for, sorted.
func Names() []string {
	var names []string
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Lookup finds an SDK by name.
func Lookup(name string) (SDK, error) {
	s, ok := registry[name]
	if !ok {
		return SDK{}, fmt.Errorf("unknown SDK %q: known SDKs are %s", name, strings.Join(Names(), ", "))
	}
	return s, nil
}

// ErrNotRunnableHere marks the errors that say this machine cannot run an
// SDK's driver at all (its toolchain is missing, or the registry here does
// not serve its package), as opposed to a broken driver, SDK or suite:
// SDK=all skips those SDKs by name, saying why, and runs the others.
var ErrNotRunnableHere = errors.New("this machine cannot run the driver")

// MissingToolchainError says which toolchain an SDK's driver needs, e.g.
// "dotnet: .NET SDK not found (no dotnet on PATH)".
type MissingToolchainError struct {
	SDK, Toolchain, Program string
}

func (e *MissingToolchainError) Error() string {
	return fmt.Sprintf("%s: %s not found (no %s on PATH)", e.SDK, e.Toolchain, e.Program)
}

func (e *MissingToolchainError) Is(target error) bool { return target == ErrNotRunnableHere }

// CheckToolchain reports the first missing program of the SDK's toolchain.
func (s SDK) CheckToolchain() error {
	for _, p := range s.Programs {
		if _, err := exec.LookPath(p); err != nil {
			return &MissingToolchainError{SDK: s.Name, Toolchain: s.Toolchain, Program: p}
		}
	}
	return nil
}

// Prepare installs or builds what the driver needs and returns how to start
// it.
func (s SDK) Prepare(ctx context.Context, o Options) (driver.Command, error) {
	if err := s.CheckToolchain(); err != nil {
		return driver.Command{}, err
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	// The driver runs in its own directory: paths into the checkout must
	// not depend on where the suite was started.
	root, err := filepath.Abs(o.Root)
	if err != nil {
		return driver.Command{}, err
	}
	o.Root = root
	if o.Source != "" {
		abs, err := filepath.Abs(o.Source)
		if err != nil {
			return driver.Command{}, err
		}
		if _, err := os.Stat(abs); err != nil {
			return driver.Command{}, fmt.Errorf("%s: SDK_SOURCE %s: %w", s.Name, o.Source, err)
		}
		o.Source = abs
		if isArchive(abs) && s.unpackArchives {
			if o.Source, err = unpackSource(root, abs); err != nil {
				return driver.Command{}, fmt.Errorf("%s: %w", s.Name, err)
			}
		}
		if o.Version != "" {
			return driver.Command{}, fmt.Errorf("%s: set SDK_SOURCE or SDK_VERSION, not both", s.Name)
		}
	}
	cmd, err := s.prepare(ctx, o)
	if err != nil {
		return driver.Command{}, fmt.Errorf("%s: preparing the driver: %w", s.Name, err)
	}
	return cmd, nil
}

// run runs a build or install step, its output going to o.Log.
func run(ctx context.Context, o Options, dir string, env []string, name string, args ...string) error {
	fmt.Fprintf(o.Log, "[%s] %s %s\n", filepath.Base(dir), name, strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var tail strings.Builder
	cmd.Stdout = io.MultiWriter(o.Log, &tail)
	cmd.Stderr = io.MultiWriter(o.Log, &tail)
	if err := cmd.Run(); err != nil {
		out := tail.String()
		if len(out) > 2000 {
			out = "..." + out[len(out)-2000:]
		}
		return fmt.Errorf("%s %s (in %s): %w\n%s", name, strings.Join(args, " "), dir, err, out)
	}
	return nil
}

// copyFiles copies the named files from src to dst, creating dst.
func copyFiles(src, dst string, names ...string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(src, n))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, n), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// stamped says whether stampFile records stamp: what an earlier build or
// install was made from, so that it can be reused while that is unchanged.
func stamped(stampFile string, stamp []byte) bool {
	old, err := os.ReadFile(stampFile)
	return err == nil && bytes.Equal(old, stamp)
}

// rebuild runs build and then records stamp in stampFile. The old stamp
// goes first, so that an interrupted build is never taken for a good one.
func rebuild(stampFile string, stamp []byte, build func() error) error {
	if err := removeIfExists(stampFile); err != nil {
		return err
	}
	if err := build(); err != nil {
		return err
	}
	return os.WriteFile(stampFile, stamp, 0o644)
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}

// BuildStdioShim builds the shim an SDK spawns as its runtime for the stdio
// transport (internal/cmd/stdioshim) into the ignored cache, and returns
// its path.
func BuildStdioShim(ctx context.Context, root string, log io.Writer) (string, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", err
	}
	out := filepath.Join(abs, ".cache", "bin", "stdioshim")
	if err := run(ctx, Options{Root: abs, Log: log}, abs, nil, "go", "build", "-o", out, "./internal/cmd/stdioshim"); err != nil {
		return "", fmt.Errorf("building the stdio shim: %w", err)
	}
	return out, nil
}
