package sdk

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"conformance/internal/driver"
)

// The Node driver installs without optional dependencies: the SDK's
// optional @github/copilot-sdk-linux-x64 is the 115 MB runtime, and the
// driver connects to a runtime the suite runs.
var npmInstallFlags = []string{"--omit=optional", "--no-audit", "--no-fund", "--loglevel=error"}

func init() {
	register(SDK{
		Name:            "node",
		Toolchain:       "Node.js (>= 20.19, with npm)",
		Programs:        []string{"node", "npm"},
		prepare:         prepareNode,
		declaredVersion: nodeDeclaredVersion,
		Column:          0,
		Registry:        Registry{Kind: RegistryNPM, Package: "@github/copilot-sdk", Lists: true},
		TagPrefix:       "nodejs/",
		PinnedSource:    nodePinnedSource,
	})
}

var nodeDriverFiles = []string{"package.json", "package-lock.json", "driver.mjs"}

func prepareNode(ctx context.Context, o Options) (driver.Command, error) {
	src := o.driverDir("node")
	dir := src
	switch {
	case o.Version != "":
		dir = o.cacheDir("node@" + o.Version)
	case o.Source != "":
		// One folder for every source: its node_modules (npm ci of the
		// driver's lock) is reused, and the source is installed over it on
		// every run anyway.
		dir = o.cacheDir("node-source")
	}
	if dir != src {
		if err := copyFiles(src, dir, nodeDriverFiles...); err != nil {
			return driver.Command{}, err
		}
	}
	if !nodeModulesFresh(dir) {
		if err := run(ctx, o, dir, nil, "npm", append([]string{"ci"}, npmInstallFlags...)...); err != nil {
			return driver.Command{}, err
		}
	}
	switch {
	case o.Version != "" && installedNodeSDKVersion(dir) != o.Version:
		args := append([]string{"install", "--no-save", "@github/copilot-sdk@" + o.Version}, npmInstallFlags...)
		if err := run(ctx, o, dir, nil, "npm", args...); err != nil {
			return driver.Command{}, err
		}
	case o.Source != "":
		// A directory is packed first: installing a directory makes npm
		// link it, and the link would not see the driver's dependencies.
		pkg := o.Source
		if fi, err := os.Stat(pkg); err == nil && fi.IsDir() {
			packDir, err := os.MkdirTemp(dir, "pack-")
			if err != nil {
				return driver.Command{}, err
			}
			defer os.RemoveAll(packDir)
			if err := run(ctx, o, dir, nil, "npm", "pack", "--ignore-scripts", "--silent", "--pack-destination", packDir, pkg); err != nil {
				return driver.Command{}, err
			}
			tarballs, _ := filepath.Glob(filepath.Join(packDir, "*.tgz"))
			if len(tarballs) != 1 {
				return driver.Command{}, fmt.Errorf("npm pack %s made %d tarballs, want 1", pkg, len(tarballs))
			}
			pkg = tarballs[0]
		}
		args := append([]string{"install", "--no-save", pkg}, npmInstallFlags...)
		// Installed over the pinned one on every run: the checkout may have
		// changed since the last.
		if err := run(ctx, o, dir, nil, "npm", args...); err != nil {
			return driver.Command{}, err
		}
	}
	return driver.Command{Path: "node", Args: []string{filepath.Join(dir, "driver.mjs")}, Dir: dir}, nil
}

// nodeModulesFresh reports whether node_modules was installed from the
// current package-lock.json (npm ci writes node_modules/.package-lock.json).
func nodeModulesFresh(dir string) bool {
	installed, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json"))
	if err != nil {
		return false
	}
	lock, err := os.Stat(filepath.Join(dir, "package-lock.json"))
	return err == nil && !installed.ModTime().Before(lock.ModTime())
}

func installedNodeSDKVersion(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "node_modules", "@github", "copilot-sdk", "package.json"))
	if err != nil {
		return ""
	}
	var pkg struct{ Version string }
	_ = json.Unmarshal(b, &pkg)
	return strings.TrimSpace(pkg.Version)
}

// nodeDeclaredVersion reads the version of a package directory's
// package.json, or of an npm pack tarball's package/package.json.
func nodeDeclaredVersion(source string) (version, from string) {
	var b []byte
	if isArchive(source) {
		b, _ = readFromArchive(source, "package/package.json")
	} else {
		b, _ = os.ReadFile(filepath.Join(source, "package.json"))
	}
	var pkg struct{ Version string }
	if len(b) == 0 || json.Unmarshal(b, &pkg) != nil {
		return "", ""
	}
	return strings.TrimSpace(pkg.Version), "package.json"
}
