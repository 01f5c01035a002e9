package container

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"conformance/internal/driver"
)

// StartDriver runs a driver image (see Build) and returns the protocol
// client for it, as driver.Start does for a local program. Close the
// driver (driver.Driver.Close) to end and remove the container.
func StartDriver(ctx context.Context, image string) (*driver.Driver, error) {
	stderr := driver.NewStderrTail()
	p, err := Run(ctx, RunOptions{Image: image, Stderr: stderr, Labels: map[string]string{LabelKey + ".role": "driver"}})
	if err != nil {
		return nil, err
	}
	return driver.New(p.Driver(), stderr), nil
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
