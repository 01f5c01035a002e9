package sdk

import (
	"context"
	"path/filepath"

	"conformance/internal/driver"
)

const goSDKModule = "github.com/github/copilot-sdk/go"

func init() {
	register(SDK{
		Name:      "go",
		Toolchain: "Go toolchain (>= 1.24)",
		Programs:  []string{"go"},
		prepare:   prepareGo,
		// A checkout of the SDK repository (or its go/ folder) packed.
		unpackArchives: true,
		Column:         2,
		Registry:       Registry{Kind: RegistryGoProxy, Package: goSDKModule, Lists: true},
		TagPrefix:      "go/",
		// The Go module proxy serves exact versions of the module but was
		// seen to list none: the release tags stand in then (v1.0.13 and
		// v1.0.14 added as the proxy was seen to serve them, 2026-11-28).
		ReleaseTags: []string{"v1.0.0", "v1.0.1", "v1.0.2", "v1.0.4", "v1.0.5", "v1.0.6", "v1.0.7", "v1.0.8", "v1.0.9",
			"v1.0.11", "v1.0.13", "v1.0.14"},
		ReleaseTagPattern: "go/v*",
		PinnedSource:      goPinnedSource,
	})
}

var goDriverFiles = []string{"go.mod", "go.sum", "main.go"}

func prepareGo(ctx context.Context, o Options) (driver.Command, error) {
	src := o.driverDir("go")
	dir, env := src, []string{"GOWORK=off"}
	out := o.cacheDir("go", "driver")
	switch {
	case o.Version != "":
		dir = o.cacheDir("go@" + o.Version)
		out = filepath.Join(dir, "driver")
		if err := copyFiles(src, dir, goDriverFiles...); err != nil {
			return driver.Command{}, err
		}
		if err := run(ctx, o, dir, env, "go", "get", goSDKModule+"@"+o.Version); err != nil {
			return driver.Command{}, err
		}
	case o.Source != "":
		// A workspace that uses both the driver and the checkout makes the
		// checkout stand in for the required module, without touching the
		// driver's go.mod.
		work := o.cacheDir(o.sourceCacheName("go"))
		out = filepath.Join(work, "driver")
		if err := copyFiles(src, work); err != nil { // creates the folder
			return driver.Command{}, err
		}
		workFile := filepath.Join(work, "go.work")
		env = []string{"GOWORK=" + workFile}
		_ = removeIfExists(workFile)
		if err := run(ctx, o, work, []string{"GOWORK=off"}, "go", "work", "init", src, o.Source); err != nil {
			return driver.Command{}, err
		}
	}
	if err := run(ctx, o, dir, env, "go", "build", "-o", out, "."); err != nil {
		return driver.Command{}, err
	}
	return driver.Command{Path: out}, nil
}
