package sdk

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	"conformance/internal/driver"
)

const pythonDistribution = "github-copilot-sdk"

func init() {
	register(SDK{
		Name:            "python",
		Toolchain:       "Python 3 (>= 3.11, with venv)", // the SDK's requires-python
		Programs:        []string{"python3"},
		prepare:         preparePython,
		declaredVersion: pythonDeclaredVersion,
		Column:          1,
		Registry:        Registry{Kind: RegistryPyPI, Package: pythonDistribution, Lists: true},
		TagPrefix:       "python/",
		PinnedSource:    pythonPinnedSource,
	})
}

// preparePython installs the SDK into a virtual environment of its own in
// the ignored cache: .cache/drivers/python for the pinned requirements and
// python@<v> for SDK_VERSION, each reused while what it was made from is
// unchanged; python-source for SDK_SOURCE, made afresh on every run since
// the checkout may have changed (but for a bare package folder's
// dependencies, see preparePythonSource).
func preparePython(ctx context.Context, o Options) (driver.Command, error) {
	src := o.driverDir("python")
	requirements := filepath.Join(src, "requirements.txt")
	interpreter, err := checkPython(ctx)
	if err != nil {
		return driver.Command{}, err
	}
	// -I: nothing from the environment (PYTHONPATH; PYTHONOPTIMIZE, which
	// would strip the asserts the SDK checks a token's type with; the
	// user's site-packages) changes what runs. -B: no bytecode written (pip
	// compiled the SDK's when it installed it).
	args := []string{"-I", "-B", "-u", filepath.Join(src, "driver.py")}
	var venv string
	switch {
	case o.Source == "":
		venv, err = preparePythonRegistry(ctx, o, requirements, interpreter)
	default:
		var bare bool
		venv, bare, err = preparePythonSource(ctx, o, requirements, interpreter)
		if bare {
			// A bare package is compiled into the cache rather than its
			// own folder (see compileBarePackage).
			args[1] = "-Xpycache_prefix=" + filepath.Join(o.cacheDir(o.sourceCacheName("python")), "pycache")
		}
	}
	if err != nil {
		return driver.Command{}, err
	}
	cmd := driver.Command{Path: venvPython(venv), Args: args}
	if runtime.GOOS != "windows" { // no fork there
		// One process imports the SDK and forks each scenario's driver
		// (drivers/python/README.md, "Fork server").
		cmd.Server = &driver.Server{
			Command:   driver.Command{Path: cmd.Path, Args: append(append([]string(nil), args...), "--fork-server")},
			SocketEnv: "CONFORMANCE_PYTHON_FORK_SERVER",
		}
	}
	return cmd, nil
}

// preparePythonRegistry installs the pinned requirements, or the SDK at
// o.Version, from the package index, unless the venv already has them (its
// installed-from stamp says so).
func preparePythonRegistry(ctx context.Context, o Options, requirements, interpreter string) (string, error) {
	dir, install := o.cacheDir("python"), []string{"-r", requirements}
	from, err := os.ReadFile(requirements)
	if err != nil {
		return "", err
	}
	if o.Version != "" {
		dir, install = o.cacheDir("python@"+o.Version), []string{pythonDistribution + "==" + o.Version}
		from = []byte(install[0] + "\n")
	}
	// A new interpreter makes a new venv too: the old one points at it.
	stamp := append(from, "# "+interpreter+"\n"...)
	stampFile := filepath.Join(dir, "installed-from")
	venv := filepath.Join(dir, "venv")
	if stamped(stampFile, stamp) && exists(venvPython(venv)) {
		return venv, nil
	}
	return venv, rebuild(stampFile, stamp, func() error {
		if err := freshVenv(ctx, o, dir, venv); err != nil {
			return err
		}
		return pip(ctx, o, dir, venv, append([]string{"install"}, install...)...)
	})
}

// pythonSourceIsBare says whether SDK_SOURCE is a bare package directory
// (a copilot/ folder, e.g. a copy of an installed one, without metadata)
// rather than something pip installs: a wheel, an sdist or a source
// checkout.
func pythonSourceIsBare(path string) (bool, error) {
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		return false, err
	case !fi.IsDir(), exists(filepath.Join(path, "pyproject.toml")), exists(filepath.Join(path, "setup.py")):
		return false, nil
	case exists(filepath.Join(path, "__init__.py")):
		return true, nil
	}
	return false, fmt.Errorf("SDK_SOURCE %s is neither a wheel, an sdist, a source checkout (pyproject.toml or "+
		"setup.py: the SDK repository's python/) nor a package directory (__init__.py, e.g. a copy of an installed copilot/)", path)
}

// preparePythonSource makes a venv with the SDK from o.Source. A bare
// package directory has no metadata of its own: the venv gets the pinned
// SDK's dependencies, the package is put on sys.path in the SDK's place, and
// it reports the version the SDK gives itself then (0.0.0.dev0). That venv
// is reused while the pinned requirements are unchanged (the package itself
// is linked in afresh on every run), so that running many patched copies
// (make mutants) does not install the same dependencies each time; anything
// else pip installs into a fresh venv.
func preparePythonSource(ctx context.Context, o Options, requirements, interpreter string) (venv string, bare bool, err error) {
	if bare, err = pythonSourceIsBare(o.Source); err != nil {
		return "", false, err
	}
	dir := o.cacheDir(o.sourceCacheName("python"))
	venv = filepath.Join(dir, "venv")
	stampFile := filepath.Join(dir, "installed-from")
	if !bare {
		if err := removeIfExists(stampFile); err != nil {
			return "", false, err
		}
		if err := freshVenv(ctx, o, dir, venv); err != nil {
			return "", false, err
		}
		return venv, false, pip(ctx, o, dir, venv, "install", o.Source)
	}
	from, err := os.ReadFile(requirements)
	if err != nil {
		return "", true, err
	}
	stamp := append(from, "# without "+pythonDistribution+", for a bare package; "+interpreter+"\n"...)
	if !stamped(stampFile, stamp) || !exists(venvPython(venv)) {
		err := rebuild(stampFile, stamp, func() error {
			if err := freshVenv(ctx, o, dir, venv); err != nil {
				return err
			}
			if err := pip(ctx, o, dir, venv, "install", "-r", requirements); err != nil {
				return err
			}
			return pip(ctx, o, dir, venv, "uninstall", "--yes", pythonDistribution)
		})
		if err != nil {
			return "", true, err
		}
	}
	// The package's import name is copilot, whatever its folder is called.
	path := filepath.Join(dir, "path")
	if err := os.RemoveAll(path); err != nil {
		return "", true, err
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return "", true, err
	}
	if err := os.Symlink(o.Source, filepath.Join(path, "copilot")); err != nil {
		return "", true, err
	}
	sitePackages, _ := filepath.Glob(filepath.Join(venv, "lib", "python3*", "site-packages"))
	if len(sitePackages) != 1 {
		return "", true, fmt.Errorf("no single site-packages folder in %s: %v", venv, sitePackages)
	}
	pth := filepath.Join(sitePackages[0], "conformance-sdk-source.pth")
	if err := os.WriteFile(pth, []byte(path+"\n"), 0o644); err != nil {
		return "", true, err
	}
	return venv, true, compileBarePackage(ctx, o, dir, venv, filepath.Join(path, "copilot"))
}

// compileBarePackage compiles a bare package's modules into the cache now,
// rather than in the first driver, whose hello has a time limit (the SDK's
// generated modules take seconds, a minute on a loaded machine). The
// compiled modules are kept while SDK_SOURCE names the same folder: Python
// checks each against its source's modification time and size, as it does
// in a source folder's own __pycache__, so only what changed is compiled
// again (make mutants edits one file per run).
func compileBarePackage(ctx context.Context, o Options, dir, venv, pkg string) error {
	pycache := filepath.Join(dir, "pycache")
	if from := []byte(o.Source + "\n"); !stamped(pycache+".from", from) {
		if err := rebuild(pycache+".from", from, func() error { return os.RemoveAll(pycache) }); err != nil {
			return err
		}
	}
	return run(ctx, o, dir, nil, venvPython(venv), "-I", "-Xpycache_prefix="+pycache, "-m", "compileall", "-q", pkg)
}

// checkPython checks that python3 is new enough for the SDK and can make a
// venv with pip, and returns its version and path.
func checkPython(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "python3", "-c", `import sys
if sys.version_info < (3, 11):
    sys.exit("python3 is %s; the Python SDK needs >= 3.11" % sys.version.split()[0])
try:
    import ensurepip, venv
except ImportError as e:
    sys.exit("python3 cannot make a venv with pip (%s); on Debian or Ubuntu: apt install python3-venv" % e)
print(sys.version.split()[0], sys.executable)`).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s (%w)", strings.TrimSpace(string(out)), err)
	}
	return strings.TrimSpace(string(out)), nil
}

// freshVenv makes an empty venv, replacing any old one.
func freshVenv(ctx context.Context, o Options, dir, venv string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return run(ctx, o, dir, nil, "python3", "-m", "venv", "--clear", venv)
}

func pip(ctx context.Context, o Options, dir, venv string, args ...string) error {
	args = append([]string{"-m", "pip", args[0], "--quiet", "--disable-pip-version-check", "--no-input"}, args[1:]...)
	return run(ctx, o, dir, nil, venvPython(venv), args...)
}

func venvPython(venv string) string { return filepath.Join(venv, "bin", "python") }

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// pythonProjectVersion matches a static version in pyproject.toml (the
// SDK's [project] table has the only version key), and pythonPkgInfoVersion
// the one in an sdist's PKG-INFO.
var (
	pythonProjectVersion = regexp.MustCompile(`(?m)^version\s*=\s*"([^"]+)"`)
	pythonPkgInfoVersion = regexp.MustCompile(`(?m)^Version:\s*(\S+)`)
)

// pythonDeclaredVersion reads the version a source checkout's
// pyproject.toml or an sdist's PKG-INFO declares (a wheel's is in its
// name, which DetectSourceVersion reads).
func pythonDeclaredVersion(source string) (version, from string) {
	if isArchive(source) {
		name := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(source), ".tar.gz"), ".tgz")
		b, _ := readFromArchive(source, name+"/PKG-INFO")
		if m := pythonPkgInfoVersion.FindSubmatch(b); m != nil {
			return string(m[1]), "PKG-INFO"
		}
		return "", ""
	}
	b, err := os.ReadFile(filepath.Join(source, "pyproject.toml"))
	if err != nil {
		return "", ""
	}
	if m := pythonProjectVersion.FindSubmatch(b); m != nil {
		return string(m[1]), "pyproject.toml"
	}
	return "", ""
}
