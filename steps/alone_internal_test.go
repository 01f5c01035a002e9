package steps

import (
	"context"
	"testing"
	"time"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/gate"
)

// A @serial scenario with AloneStep sets up beside the others and runs
// alone from that step on; one without the step runs alone whole; the
// step in a scenario that is not @serial is an error, not a silent turn
// alone.
func TestASerialScenarioRunsAloneFromTheAloneStep(t *testing.T) {
	g := &gate.Gate{Dir: t.TempDir()}
	env := &Env{Gate: g}
	serialWith := func(steps ...string) *godog.Scenario {
		p := &godog.Scenario{Name: "measures", Tags: []*messages.PickleTag{{Name: SerialTag}}}
		for _, s := range steps {
			p.Steps = append(p.Steps, &messages.PickleStep{Text: s})
		}
		return p
	}
	// otherEnters reports whether another scenario gets its turn within
	// a short wait (and leaves at once if it does).
	otherEnters := func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		leave, err := (&gate.Gate{Dir: g.Dir}).Enter(ctx, false)
		if err != nil {
			return false
		}
		leave()
		return true
	}

	sc := newScenario(env)
	_, err := sc.before(context.Background(), serialWith("session \"A\" is created", AloneStep, "the round trip is measured"))
	require.NoError(t, err)
	assert.True(t, otherEnters(), "its setup runs beside other scenarios")
	require.NoError(t, sc.runAlone(context.Background()))
	assert.False(t, otherEnters(), "from the step on, no other scenario runs")
	sc.leaveGate() // as its after hook does
	assert.True(t, otherEnters(), "its end ends its turn alone")

	whole := newScenario(env)
	_, err = whole.before(context.Background(), serialWith("the round trip is measured"))
	require.NoError(t, err)
	assert.False(t, otherEnters(), "without the step it runs alone from its start")
	whole.leaveGate()

	plain := newScenario(env)
	_, err = plain.before(context.Background(), &godog.Scenario{Name: "plain"})
	require.NoError(t, err)
	assert.ErrorContains(t, plain.runAlone(context.Background()), SerialTag)
	plain.leaveGate()
}
