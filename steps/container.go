package steps

import (
	"context"
	"errors"
	"fmt"
	"time"

	"conformance/internal/container"
	"conformance/internal/driver"
	"conformance/internal/procgroup"
)

// runInContainers runs the features with each scenario's driver in a
// container of its own (RUNNER=container): the image is built from
// docker/<sdk>.Dockerfile (reused while its inputs are unchanged), and
// containers left by an earlier run, or by an interrupt, are removed.
func runInContainers(ctx context.Context, cfg Config) (*Report, error) {
	switch {
	case cfg.Source != "":
		return nil, errors.New("RUNNER=container does not take SDK_SOURCE yet: run the local runner, or pass SDK_VERSION")
	case cfg.Transport == "stdio":
		return nil, errors.New("RUNNER=container does not run the stdio transport yet: the shim would have to be in the image")
	}
	if err := container.EnsureEngine(ctx, cfg.Root); err != nil {
		return nil, fmt.Errorf("RUNNER=container: %w", err)
	}
	removeAll := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = container.RemoveAll(ctx)
	}
	removeAll()
	procgroup.OnInterrupt(removeAll)
	defer removeAll()
	args := map[string]string{}
	if cfg.Version != "" {
		args["SDK_VERSION"] = cfg.Version
	}
	spec := container.DriverSpec(cfg.Root, cfg.SDK, args)
	spec.Log = cfg.Output
	img, err := container.Build(ctx, spec)
	if err != nil {
		return nil, fmt.Errorf("%s: building the driver image (base images missing? make docker-base-images): %w", cfg.Label(), err)
	}
	fmt.Fprintf(cfg.Output, "%s: driver image %s (reused: %v, %s)\n", cfg.Label(), img.Ref, img.Reused, img.Took.Round(time.Millisecond))
	return run(ctx, cfg, func(ctx context.Context) (*driver.Driver, error) {
		return container.StartDriver(ctx, img.Ref)
	})
}
