package steps

import (
	"context"
	"errors"
	"fmt"

	"github.com/cucumber/godog"

	"conformance/internal/driver"
)

func (sc *scenario) registerModelSteps(ctx *godog.ScenarioContext) {
	sc.step(ctx, `^the SDK sends "([^"]*)" in session "([^"]+)"$`, sc.send)
	sc.step(ctx, `^sending "([^"]*)" in session "([^"]+)" fails$`, sc.sendFails)
	sc.step(ctx, `^the reply is "([^"]*)"$`, sc.replyIs)
	sc.step(ctx, `^the model endpoint received these requests, in order:$`, sc.modelRequests)
}

// send runs one turn. A turn that fails fails the step: the scenario
// cannot go on to check a turn that did not happen.
func (sc *scenario) send(ctx context.Context, prompt, ref string) error {
	if _, err := sc.sessionID(ref); err != nil {
		return err
	}
	reply, err := sc.driver.Send(ctx, ref, prompt, sc.turnTimeout)
	if err != nil {
		return fmt.Errorf("sending %q in session %q: %w", prompt, ref, err)
	}
	sc.lastReply = reply
	return nil
}

// sendFails runs a turn that must end in an error the SDK reports. A hang
// is not such an error: the suite waits turnTimeout, the driver is told to
// wait longer (driver.TurnMargin), so a turn that runs out of time always
// ends as the suite's own deadline and fails this step.
func (sc *scenario) sendFails(ctx context.Context, prompt, ref string) error {
	if _, err := sc.sessionID(ref); err != nil {
		return err
	}
	reply, err := sc.driver.Send(ctx, ref, prompt, sc.turnTimeout)
	var sdkErr *driver.Error
	var noAnswer *driver.NoAnswerError
	switch {
	case err == nil:
		return fmt.Errorf("sending %q in session %q succeeded with reply %q, want the SDK to report the turn's error", prompt, ref, reply)
	case errors.As(err, &noAnswer):
		return fmt.Errorf("sending %q in session %q: the turn did not end within %s; want the SDK to report the turn's error, and a hang is not that: %w", prompt, ref, sc.turnTimeout, err)
	case !errors.As(err, &sdkErr) || sdkErr.Kind != driver.KindSDK:
		return fmt.Errorf("sending %q in session %q: want the SDK's error, got: %w", prompt, ref, err)
	}
	return nil
}

func (sc *scenario) replyIs(want string) error {
	if sc.lastReply != want {
		return fmt.Errorf("the last reply was %q, want %q", sc.lastReply, want)
	}
	return nil
}

// modelRequests compares every request the model endpoint saw with a table
// of | path | authorization |.
func (sc *scenario) modelRequests(table *godog.Table) error {
	if len(table.Rows) < 1 || len(table.Rows[0].Cells) != 2 {
		return fmt.Errorf("the table is | path | authorization | with a header row")
	}
	want := table.Rows[1:]
	got := sc.model.Requests()
	if len(got) != len(want) {
		return fmt.Errorf("the model endpoint received %d request(s), want %d:\n%s", len(got), len(want), sc.model)
	}
	for i, row := range want {
		path, auth := sc.expand(row.Cells[0].Value), row.Cells[1].Value
		if got[i].Path != path || got[i].Authorization != auth {
			return fmt.Errorf("model request %d was %s with Authorization %q, want %s with %q",
				i+1, got[i].Path, got[i].Authorization, path, auth)
		}
	}
	return nil
}
