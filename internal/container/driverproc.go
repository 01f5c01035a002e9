package container

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"conformance/internal/driver"
)

// StartDriver runs a driver image (see Build) and returns the protocol
// client for it, as driver.Start does for a local program. files are
// copied in before it starts (RunOptions.Files). Close the driver
// (driver.Driver.Close) to end and remove the container.
func StartDriver(ctx context.Context, image string, files map[string]string) (*driver.Driver, error) {
	stderr := driver.NewStderrTail()
	p, err := Run(ctx, RunOptions{Image: image, Files: files, Stderr: stderr, Labels: map[string]string{LabelKey + ".role": "driver"}})
	if err != nil {
		return nil, err
	}
	return driver.New(p.Driver(), stderr), nil
}

// StdioShim builds the stdio transport's shim (internal/cmd/stdioshim of
// the checkout at root) for a container: static (CGO_ENABLED=0, so it runs
// on any image's libc, or none), for Linux on this machine's architecture
// (the engine is on this machine: CheckLocalEngine). It returns the
// binary's path, under the checkout's ignored .cache/bin.
func StdioShim(ctx context.Context, root string, log io.Writer) (string, error) {
	out := filepath.Join(root, ".cache", "bin", "stdioshim-linux-static")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", out, "./internal/cmd/stdioshim")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the stdio shim for containers: %w\n%s", err, b)
	}
	if log != nil {
		fmt.Fprintf(log, "stdio shim for containers: %s\n", out)
	}
	return out, nil
}

// Driver adapts the container to driver.Process, so driver.New speaks
// drivers/PROTOCOL.md with it. Start it with RunOptions.Stderr set to the
// tail given to driver.New.
func (p *Process) Driver() driver.Process { return driverProcess{p} }

type driverProcess struct{ p *Process }

func (d driverProcess) Stdin() io.WriteCloser   { return d.p.Stdin }
func (d driverProcess) Stdout() io.Reader       { return d.p.Stdout }
func (d driverProcess) Exited() <-chan struct{} { return d.p.Exited }
func (d driverProcess) ExitErr() error          { return d.p.ExitErr() }
func (d driverProcess) String() string          { return d.p.String() }

// Stop terminates and removes the container, bounded (30 s).
func (d driverProcess) Stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := d.p.Terminate(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "container: %v\n", err)
	}
}
