package steps

import (
	"context"
	"fmt"
	"strings"

	"github.com/cucumber/godog"

	"conformance/internal/driver"
)

// The steps of turns that make several model requests: the model endpoint
// answers with calls to a client tool the driver registers through its
// SDK's own tool API (capability tools), the runtime runs the tool through
// the SDK and asks the model again with its result, each model request
// after a fresh token request. They run on both runtimes.
func (sc *scenario) registerToolSteps(ctx *godog.ScenarioContext) {
	sc.step(ctx, `^the model endpoint answers each turn with (\d+) rounds? of tool calls to the tool "([^"]+)" before its reply$`, sc.toolRounds)
	sc.step(ctx, `^every session the scenario opens registers the client tool "([^"]+)", whose result is "([^"]*)"$`, sc.registerClientTool)
	sc.step(ctx, `^the tool "([^"]+)" of session "([^"]+)" was invoked (\d+) times?, in order$`, sc.toolInvoked)
	sc.step(ctx, `^the model endpoint received these requests, with the tool results each carried, in order:$`, sc.modelRequestsWithToolResults)
	sc.step(ctx, `^the SDK sends "([^"]*)" in session "([^"]+)", whether the turn succeeds or fails$`, sc.sendEitherWay)
}

// sendEitherWay runs a turn whose outcome the scenario does not judge
// (the runtime's to decide, e.g. with a token it cannot use): the steps
// after it judge the token requests and their answers. A turn that does
// not end within the turn timeout still fails the step.
func (sc *scenario) sendEitherWay(ctx context.Context, prompt, ref string) error {
	_, _, _, err := sc.turnOutcome(ctx, prompt, ref)
	return err
}

// toolRounds makes the model endpoint call the tool k times in each turn
// before it replies: a turn then makes k+1 model requests.
func (sc *scenario) toolRounds(k int, tool string) error {
	if k < 0 {
		return fmt.Errorf("rounds of tool calls must be 0 or more, got %d", k)
	}
	sc.model.SetToolRounds(tool, k)
	return nil
}

// registerClientTool makes every later createSession/resumeSession give
// the driver this tool (PROTOCOL.md, "tools"); the scenario needs
// @needs-tools.
func (sc *scenario) registerClientTool(name, result string) error {
	sc.tools = append(sc.tools, driver.Tool{Name: name, Description: "Looks up a fact for the conformance suite.", Result: result})
	return nil
}

// toolInvoked checks the driver's record of the tool's calls in the
// session: n calls, numbered 1 to n in call order (the tool's handler ran
// once per model answer that called it, and in order).
func (sc *scenario) toolInvoked(ctx context.Context, tool, ref string, n int) error {
	if _, err := sc.sessionID(ref); err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	all, err := sc.driver.ToolInvocations(cctx)
	if err != nil {
		return fmt.Errorf("asking the driver for its tool invocations: %w", err)
	}
	var got []driver.ToolInvocation
	for _, t := range all {
		if t.Ref == ref && t.Tool == tool {
			got = append(got, t)
		}
	}
	if len(got) != n {
		return fmt.Errorf("the tool %q of session %q was invoked %d time(s), want %d; the driver recorded: %+v\nmodel requests:\n%s", tool, ref, len(got), n, all, sc.model)
	}
	for i, t := range got {
		if t.N != i+1 {
			return fmt.Errorf("call %d of the tool %q of session %q is numbered %d by the driver, want %d", i+1, tool, ref, t.N, i+1)
		}
	}
	return nil
}

// modelRequestsWithToolResults compares every model request with a table
// | path | authorization | tool results | answered with |: the tool results
// the request's conversation carried ("" for none, else a list of quoted
// strings) and what the endpoint answered ("tool call <tool>" or "reply").
// It shows that request i+1 carried the result of the tool call answered
// to request i, and with whose token each was made.
func (sc *scenario) modelRequestsWithToolResults(table *godog.Table) error {
	header := []string{"path", "authorization", "tool results", "answered with"}
	if len(table.Rows) < 2 || len(table.Rows[0].Cells) != len(header) {
		return fmt.Errorf("the table is | %s | with a header row", strings.Join(header, " | "))
	}
	for i, c := range table.Rows[0].Cells {
		if c.Value != header[i] {
			return fmt.Errorf("column %d of the table is %q, want %q", i+1, c.Value, header[i])
		}
	}
	want := table.Rows[1:]
	got := sc.model.Requests()
	if len(got) != len(want) {
		return fmt.Errorf("the model endpoint received %d request(s), want %d:\n%s", len(got), len(want), sc.model)
	}
	for i, row := range want {
		path, auth, results, answer := sc.expand(row.Cells[0].Value), row.Cells[1].Value, row.Cells[2].Value, row.Cells[3].Value
		var wantResults []string
		if strings.TrimSpace(results) != "" {
			var err error
			if wantResults, err = parseQuotedList(results); err != nil {
				return fmt.Errorf("row %d, tool results: %w", i+1, err)
			}
		}
		r := got[i]
		switch {
		case r.Path != path || r.Authorization != auth:
			return fmt.Errorf("model request %d was %s with Authorization %q, want %s with %q\n%s", i+1, r.Path, r.Authorization, path, auth, sc.model)
		case fmt.Sprintf("%q", r.ToolResults) != fmt.Sprintf("%q", wantResults):
			return fmt.Errorf("model request %d carried the tool results %q, want %q\n%s", i+1, r.ToolResults, wantResults, sc.model)
		case r.Answer != answer:
			return fmt.Errorf("model request %d was answered with %q, want %q\n%s", i+1, r.Answer, answer, sc.model)
		}
	}
	return nil
}
