package steps

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/driver"
)

// pipeDriver is a driver program played in-process: answer gives the
// answer line to a command (without its id), or "" for none (a hang).
type pipeDriver struct {
	stdinR  *io.PipeReader
	stdinW  *io.PipeWriter
	stdoutR *io.PipeReader
	stdoutW *io.PipeWriter
	exited  chan struct{}
	once    sync.Once
}

func startPipeDriver(t *testing.T, answer func(cmd string) string) *driver.Driver {
	t.Helper()
	p := &pipeDriver{exited: make(chan struct{})}
	p.stdinR, p.stdinW = io.Pipe()
	p.stdoutR, p.stdoutW = io.Pipe()
	go func() {
		in := bufio.NewScanner(p.stdinR)
		for in.Scan() {
			var c struct {
				ID  int    `json:"id"`
				Cmd string `json:"cmd"`
			}
			if json.Unmarshal(in.Bytes(), &c) != nil {
				continue
			}
			if a := answer(c.Cmd); a != "" {
				fmt.Fprintf(p.stdoutW, "%c"+`{"id":%d,%s}`+"\n", driver.Marker, c.ID, a)
			}
		}
	}()
	d := driver.New(p, driver.NewStderrTail())
	t.Cleanup(d.Close)
	return d
}

func (p *pipeDriver) Stdin() io.WriteCloser   { return p.stdinW }
func (p *pipeDriver) Stdout() io.Reader       { return p.stdoutR }
func (p *pipeDriver) Exited() <-chan struct{} { return p.exited }
func (p *pipeDriver) ExitErr() error          { return nil }
func (p *pipeDriver) String() string          { return "in-process test driver" }
func (p *pipeDriver) Stop() {
	p.once.Do(func() {
		p.stdinR.Close()
		p.stdoutW.Close()
		close(p.exited)
	})
}

func TestSendFails(t *testing.T) {
	tests := []struct {
		name    string
		answer  string // to send
		wantErr string // "" for the step to pass
	}{
		{name: "the SDK reports the turn's error", answer: `"ok":false,"error":{"kind":"sdk","message":"token service unavailable"}`},
		{name: "a hang fails the step", answer: "", wantErr: "the turn did not end within 300ms; want the SDK to report the turn's error, and a hang is not that"},
		{name: "a turn that succeeds fails the step", answer: `"ok":true,"result":{"reply":"ten"}`, wantErr: `succeeded with reply "ten"`},
		{name: "a protocol error is not the SDK's error", answer: `"ok":false,"error":{"kind":"protocol","message":"unknown ref"}`, wantErr: "want the SDK's error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := startPipeDriver(t, func(cmd string) string { return tt.answer })
			sc := newScenario(&Env{})
			sc.driver, sc.sessions["A"], sc.turnTimeout = d, "session-a", 300*time.Millisecond
			start := time.Now()
			err := sc.sendFails(context.Background(), "What is 5+5?", "A")
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Less(t, time.Since(start), 5*time.Second, "the suite's deadline, not the driver's, ends a hung turn")
		})
	}
}

// The driver's own wait for a turn is longer than the suite's, so the
// suite's deadline decides.
func TestSendGivesTheDriverALongerWaitThanTheSuite(t *testing.T) {
	got := make(chan int64, 1)
	// timeoutMs is what the driver tells the SDK to wait.
	p := &pipeDriver{exited: make(chan struct{})}
	p.stdinR, p.stdinW = io.Pipe()
	p.stdoutR, p.stdoutW = io.Pipe()
	go func() {
		in := bufio.NewScanner(p.stdinR)
		for in.Scan() {
			var c struct {
				ID        int   `json:"id"`
				TimeoutMs int64 `json:"timeoutMs"`
			}
			_ = json.Unmarshal(in.Bytes(), &c)
			got <- c.TimeoutMs
			fmt.Fprintf(p.stdoutW, "%c"+`{"id":%d,"ok":true,"result":{"reply":""}}`+"\n", driver.Marker, c.ID)
		}
	}()
	d := driver.New(p, driver.NewStderrTail())
	t.Cleanup(d.Close)
	_, err := d.Send(context.Background(), "A", "hi", turnTimeout)
	require.NoError(t, err)
	assert.Equal(t, (turnTimeout + driver.TurnMargin).Milliseconds(), <-got)
	assert.Greater(t, driver.TurnMargin, 5*time.Second, "more than a driver's wait for session.idle after an error")
}

// A driver that answers "unsupported" fails the scenario, whether the
// scenario needs a capability the driver declared or needs none; only the
// tags, checked before the scenario starts, make it not applicable.
func TestUnsupportedAnswerFailsTheScenario(t *testing.T) {
	unsupported := &driver.Error{Command: "createSession", Kind: driver.KindUnsupported, Message: "a sync callback cannot wait"}
	hello := driver.Hello{SDK: "node", Capabilities: []string{"providers", "resume", "syncCallback"}}
	tests := []struct {
		name  string
		needs []string
		want  []string
	}{
		{name: "declared capability", needs: []string{"syncCallback"},
			want: []string{"a sync callback cannot wait", `declares capabilities ["providers" "resume" "syncCallback"]`, `including the ["syncCallback"] this scenario needs`}},
		{name: "no @needs tag", needs: nil,
			want: []string{"a sync callback cannot wait", "needs no optional capability (no @needs- tag)", `declares capabilities ["providers" "resume" "syncCallback"]`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := newScenario(&Env{Hello: hello})
			sc.needs = tt.needs
			err := sc.stepError(unsupported)
			require.Error(t, err)
			assert.False(t, errors.Is(err, godog.ErrSkip), "not skipped: failed")
			assert.Empty(t, sc.notApplicable)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestNotApplicableOnlyWithoutTheDeclaredCapability(t *testing.T) {
	s := &Env{Hello: driver.Hello{SDK: "go", Generation: 2, Capabilities: []string{"providers", "resume", "disconnectSession", "stdio"}}, RuntimeKind: RuntimeFake}
	scenarioWith := func(tags ...string) *godog.Scenario {
		p := &godog.Scenario{Name: "x"}
		for _, tag := range tags {
			p.Tags = append(p.Tags, &messages.PickleTag{Name: tag})
		}
		return p
	}
	assert.Empty(t, s.notApplicable(scenarioWith("@BT-13", "@needs-resume")))
	assert.Equal(t, `needs the driver capability "syncCallback" (tag @needs-syncCallback); the go driver declares ["providers" "resume" "disconnectSession" "stdio"]`,
		s.notApplicable(scenarioWith("@BT-10", "@needs-syncCallback")))
	assert.Empty(t, s.notApplicable(scenarioWith("@BT-10")))
}

// @once-per-build runs in one configuration of a build, the fake runtime
// over TCP with a local driver, and is not applicable, saying where it
// ran, in every other; @real-only runs on the real runtime only.
func TestOncePerBuildAndRealOnlyPickTheirConfigurations(t *testing.T) {
	hello := driver.Hello{SDK: "node", Generation: 2}
	long := &godog.Scenario{Name: "long", Tags: []*messages.PickleTag{{Name: "@BT-12"}, {Name: OncePerBuildTag}}}
	real := &godog.Scenario{Name: "retries", Tags: []*messages.PickleTag{{Name: "@BT-10"}, {Name: RealOnlyTag}}}
	for _, c := range []struct {
		env        Env
		long, real bool // applicable
	}{
		{Env{Hello: hello, RuntimeKind: RuntimeFake}, true, false},
		{Env{Hello: hello, RuntimeKind: RuntimeFake, Runner: "local"}, true, false},
		{Env{Hello: hello, RuntimeKind: RuntimeFake, StdioShim: "/shim"}, false, false},
		{Env{Hello: hello, RuntimeKind: RuntimeFake, Runner: "container"}, false, false},
		{Env{Hello: hello, RuntimeKind: RuntimeReal}, false, true},
		{Env{Hello: hello, RuntimeKind: RuntimeReal, StdioShim: "/shim"}, false, true},
	} {
		why := c.env.notApplicable(long)
		assert.Equal(t, c.long, why == "", "%+v: %s", c.env, why)
		if why != "" {
			assert.Contains(t, why, "fake runtime over TCP with a local driver", "the reason names where it ran")
		}
		assert.Equal(t, c.real, c.env.notApplicable(real) == "", "%+v", c.env)
	}
}
