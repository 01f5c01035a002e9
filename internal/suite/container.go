package suite

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"conformance/internal/container"
	"conformance/internal/driver"
	"conformance/internal/procgroup"
	"conformance/internal/sdk"
)

// containers prepares a run whose scenarios each start their driver in a
// container of its own (RUNNER=container): the image is built from
// docker/<sdk>.Dockerfile (reused while its inputs are unchanged), with
// SDK_SOURCE in its build context when given, and containers left by an
// earlier run, or by an interrupt, are removed. Over stdio the SDK in the
// container spawns the suite's shim, copied into each container at the
// path the steps name.
func (u *setUp) containers(ctx context.Context) (startDriver, error) {
	cfg := u.cfg
	// Before anything talks to the engine: the containers must reach this
	// machine's loopback.
	if err := container.CheckLocalEngine(ctx); err != nil {
		return nil, failedAt(StepInstall, fmt.Errorf("RUNNER=container: %w", err))
	}
	source := cfg.Source
	if source != "" {
		abs, err := filepath.Abs(source)
		if err != nil {
			return nil, err
		}
		source = abs
	}
	if err := container.EnsureEngine(ctx, cfg.Root); err != nil {
		return nil, failedAt(StepInstall, fmt.Errorf("RUNNER=container: %w", err))
	}
	// This run's containers go with it, at its end and on interrupt; a run
	// beside it on the same engine keeps its own (container.RunID).
	removeAll := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = container.RemoveAll(ctx)
	}
	procgroup.OnInterrupt(removeAll)
	u.closers = append(u.closers, removeAll)
	var files map[string]string
	if cfg.Transport == "stdio" {
		// run gives the driver the path of the host's shim; the container
		// gets a static build of it at that same path.
		hostShim, err := sdk.BuildStdioShim(ctx, cfg.Root, cfg.Output)
		if err != nil {
			return nil, failedAt(StepStdioShim, err)
		}
		shim, err := container.StdioShim(ctx, cfg.Root, cfg.Output)
		if err != nil {
			return nil, failedAt(StepStdioShim, err)
		}
		files = map[string]string{hostShim: shim}
	}
	args := map[string]string{}
	if u.install != "" {
		args["SDK_VERSION"] = u.install
	}
	spec := container.DriverSpec(cfg.Root, cfg.SDK, source, args)
	spec.Log = cfg.Output
	img, err := container.Build(ctx, spec)
	if err != nil {
		return nil, failedAt(StepInstall, fmt.Errorf("building the driver image (base images missing? make docker-base-images): %w", err))
	}
	fmt.Fprintf(cfg.Output, "%s: driver image %s (reused: %v, %s)\n", cfg.Label(), img.Ref, img.Reused, img.Took.Round(time.Millisecond))
	return func(ctx context.Context) (*driver.Driver, error) {
		return container.StartDriver(ctx, img.Ref, files)
	}, nil
}
