package sdk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"conformance/internal/driver"
	"conformance/internal/fakeruntime"
	"conformance/internal/modelendpoint"
	"conformance/internal/tailbuf"
)

// javaTrainingTimeout bounds the driver's training run: a JVM start, a
// turn and the archive's dump at exit take a few seconds; a loaded machine
// may take ten times that.
const javaTrainingTimeout = 2 * time.Minute

// javaTrainingTool is the client tool of the training turn.
const javaTrainingTool = "lookup_fact"

// javaTrain runs the driver of command c (a JVM that writes a class-data
// archive at its exit) through what a scenario does, against the suite's
// own fake runtime and model endpoint: hello, connect, a session whose
// singular provider has a callback (and a client tool, where the driver
// has the capability), a turn, whose token request runs the callback, and
// the invocations. It then closes the driver's stdin and waits for it to
// exit, which is when the JVM writes the archive.
//
// Loading every class (--load-every-class) puts the classpath's classes
// in the archive, but not what only running loads: the JDK's classes the
// SDK uses (sockets, executors), and the classes the JVM spins for
// lambdas. With an archive that also holds those, a java fake-runtime
// run of BT-1, BT-2, BT-4 and BT-7 took 0.90 of the CPU time it took with
// one of the classpath's classes only (farm-bench, 5 pairs, median,
// 2026-12-06); a java build starts hundreds of drivers. Nothing of the
// run is judged: an error only means the archive is made the plain way.
func javaTrain(ctx context.Context, c driver.Command) (err error) {
	ctx, cancel := context.WithTimeout(ctx, javaTrainingTimeout)
	defer cancel()
	rt, err := fakeruntime.Start()
	if err != nil {
		return err
	}
	defer rt.Close()
	model := modelendpoint.Start()
	defer model.Close()

	stderr := tailbuf.New(4 << 10) // the end of it, for the error
	proc, err := driver.StartLocal(c, stderr)
	if err != nil {
		return err
	}
	defer func() {
		proc.Stop()
		if err != nil {
			err = fmt.Errorf("%w; the driver's stderr ends:\n%s", err, stderr)
		}
	}()
	d := driver.New(proc, stderr)
	hello, err := d.Hello(ctx)
	if err != nil {
		return fmt.Errorf("hello: %w", err)
	}
	if err := d.Connect(ctx, rt.Addr(), ""); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	spec := driver.SessionSpec{Ref: "A", Model: "gpt-4o", Provider: &driver.Provider{
		Type: "openai", BaseURL: model.URL() + "/v1", Callback: driver.Tokens("tok-{n}"),
	}}
	if slices.Contains(hello.Capabilities, "tools") {
		spec.Tools = []driver.Tool{{Name: javaTrainingTool, Description: "Looks up a fact for the conformance suite.", Result: "fact {n}"}}
		model.SetToolRounds(javaTrainingTool, 1)
	}
	if _, err := d.CreateSession(ctx, spec); err != nil {
		return fmt.Errorf("createSession: %w", err)
	}
	if _, err := d.Send(ctx, "A", "What is 5+5?", 30*time.Second); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	if _, err := d.Invocations(ctx); err != nil {
		return fmt.Errorf("invocations: %w", err)
	}
	// EOF: the driver stops its client and exits; the JVM writes the
	// archive on its way out.
	_ = proc.Stdin().Close()
	select {
	case <-proc.Exited():
	case <-ctx.Done():
		return errors.New("the driver did not exit after its stdin closed")
	}
	if err := proc.ExitErr(); err != nil {
		return fmt.Errorf("the driver's exit: %w", err)
	}
	return nil
}
