package sdk

import (
	"bytes"
	"context"
	"os"
	"path/filepath"

	"conformance/internal/driver"
)

func init() {
	register(SDK{
		Name:      "python",
		Toolchain: "Python 3.11+ (with venv)",
		Programs:  []string{"python3"},
		prepare:   preparePython,
	})
}

// preparePython installs the SDK into a virtual environment of its own
// under .cache/drivers/: the pinned requirements, another published version,
// or a local checkout / wheel / sdist. A venv is reused while what it was
// made from is unchanged (a stamp file records that).
func preparePython(ctx context.Context, o Options) (driver.Command, error) {
	src := o.driverDir("python")
	reqs, err := os.ReadFile(filepath.Join(src, "requirements.txt"))
	if err != nil {
		return driver.Command{}, err
	}
	dir, install := o.cacheDir("python"), []string{"-r", filepath.Join(src, "requirements.txt")}
	stamp := reqs
	switch {
	case o.Version != "":
		dir, install = o.cacheDir("python@"+o.Version), []string{"github-copilot-sdk==" + o.Version}
		stamp = []byte(o.Version)
	case o.Source != "":
		// Always reinstalled: the checkout may have changed since the last run.
		dir, install = o.cacheDir("python-source"), []string{"--force-reinstall", o.Source}
		stamp = nil
	}
	venv := filepath.Join(dir, "venv")
	python := filepath.Join(venv, "bin", "python")
	stampFile := filepath.Join(dir, "installed-from")
	if old, err := os.ReadFile(stampFile); err != nil || stamp == nil || !bytes.Equal(old, stamp) {
		if _, err := os.Stat(python); err != nil {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return driver.Command{}, err
			}
			if err := run(ctx, o, dir, nil, "python3", "-m", "venv", venv); err != nil {
				return driver.Command{}, err
			}
		}
		args := append([]string{"-m", "pip", "install", "--quiet", "--disable-pip-version-check"}, install...)
		if err := run(ctx, o, dir, nil, python, args...); err != nil {
			return driver.Command{}, err
		}
		if stamp != nil {
			if err := os.WriteFile(stampFile, stamp, 0o644); err != nil {
				return driver.Command{}, err
			}
		}
	}
	return driver.Command{Path: python, Args: []string{"-u", filepath.Join(src, "driver.py")}, Env: []string{"PYTHONDONTWRITEBYTECODE=1"}}, nil
}
