package dashboard

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/expectations"
	"conformance/internal/results"
)

// nextFixture is node's pinned build on two configurations, its next
// build on the same two (one scenario regressed on the real runtime, one
// fixed on the fake), python's next build that resolved to the pinned
// version, with no pinned run to compare, and the pinned node build on
// the next runtime.
func nextFixture() Input {
	pinnedFake := run("node", "node", "1.0.14", 2, "fake", "tcp", expectations.Verdict{
		Passed:           []expectations.Judged{judged("session id", expectations.Passed, "@BT-7")},
		ExpectedFailures: []expectations.Judged{knownFailure("disconnected session", "keeps answering", "@BT-8")},
	})
	pinnedReal := run("node.real-runtime", "node", "1.0.14", 2, "real", "tcp", expectations.Verdict{
		Passed: []expectations.Judged{judged("turn token", expectations.Passed, "@BT-15")},
	})
	resolved := &results.Next{SDK: &results.Resolved{Version: "1.0.15-preview.4", Latest: "1.0.14", From: "npm @github/copilot-sdk"}}
	regressed := judged("turn token", expectations.Failed, "@BT-15")
	regressed.Message = "the model request carried no Authorization header"
	nextFake := run("node@next", "node", "1.0.15-preview.4", 2, "fake", "tcp", expectations.Verdict{
		Passed: []expectations.Judged{judged("session id", expectations.Passed, "@BT-7"), judged("disconnected session", expectations.Passed, "@BT-8"),
			judged("new scenario", expectations.Passed, "@BT-4")},
	})
	nextReal := run("node@next.real-runtime", "node", "1.0.15-preview.4", 2, "real", "tcp", expectations.Verdict{
		UnexpectedFailures: []expectations.Judged{regressed},
	})
	for _, r := range []*LoadedRun{&nextFake, &nextReal} {
		r.RequestedVersion, r.Next = "next", resolved
	}
	pyNext := run("python@next", "python", "1.0.27", 2, "fake", "tcp", expectations.Verdict{Passed: []expectations.Judged{judged("session id", expectations.Passed, "@BT-7")}})
	pyNext.RequestedVersion, pyNext.Next = "next", &results.Next{SDK: &results.Resolved{Version: "1.0.27", Latest: "1.0.27", From: "PyPI"}}
	onNextRuntime := run("node.real-runtime@next", "node", "1.0.14", 2, "real", "tcp", expectations.Verdict{
		Passed: []expectations.Judged{judged("turn token", expectations.Passed, "@BT-15")},
	})
	onNextRuntime.Next = &results.Next{Runtime: &results.Resolved{Version: "1.0.15-preview.4", From: "npm @github/copilot-sdk-linux-x64"}}
	onNextRuntime.RuntimeVersion = "1.0.15-preview.4"
	return Input{Runs: []LoadedRun{nextFake, pinnedFake, pyNext, nextReal, pinnedReal, onNextRuntime}}
}

func TestTheNextChannelIsAColumnGroupWithWhatChangedAgainstThePinnedBuild(t *testing.T) {
	p := build(t, nextFixture())
	var ids []string
	for _, c := range p.Columns {
		ids = append(ids, c.ID)
	}
	assert.Equal(t, []string{"node-1_0_14-g2", "python", "go", "dotnet", "rust", "java",
		"node-1_0_15-preview_4-g2-next", "node-1_0_14-g2-runtime-1_0_15-preview_4-next", "python-1_0_27-g2-next"}, ids,
		"the next builds come last, apart, even where python's resolved to its pinned version")
	assert.Equal(t, 3, p.NextColumns())

	node := p.Columns[6]
	assert.Equal(t, "node 1.0.15-preview.4 (next)", node.Title())
	assert.Equal(t, "node-1_0_14-g2", node.Against)
	assert.Equal(t, []Change{
		{Scenario: "disconnected session", Feature: "f", Rules: []string{"BT-8"}, Config: "ftl", Pinned: "failed", Next: "passed"},
		{Scenario: "turn token", Feature: "f", Rules: []string{"BT-15"}, Config: "rtl", Pinned: "passed", Next: "failed",
			Message: "the model request carried no Authorization header"},
	}, node.Changes, "scenarios both ran, per configuration; a scenario only the next build ran is no change")
	assert.Equal(t, 1, cellAt(t, p, "BT-15", node.ID).Changed)
	assert.Zero(t, cellAt(t, p, "BT-7", node.ID).Changed)

	runtimeNext := p.Columns[7]
	assert.Equal(t, "node 1.0.14 on runtime 1.0.15-preview.4 (next)", runtimeNext.Title())
	assert.Empty(t, runtimeNext.Changes)
	assert.Equal(t, "node-1_0_14-g2", runtimeNext.Against)
	assert.Contains(t, cellAt(t, p, "BT-15", runtimeNext.ID).Configs[0].Reproduce, "RUNTIME_VERSION=next")

	assert.Empty(t, p.Columns[8].Against, "no pinned python run to compare with")

	var html bytes.Buffer
	require.NoError(t, p.HTML(&html))
	page := html.String()
	assert.Contains(t, page, `<th colspan="6">builds</th><th class="next" colspan="3"`)
	assert.Contains(t, page, `<b>2 changed</b> vs pinned`)
	assert.Contains(t, page, `id="changes-node-1_0_15-preview_4-g2-next"`)
	assert.Contains(t, page, "no pinned run to compare")
	assert.Contains(t, page, "next: SDK 1.0.15-preview.4 from npm @github/copilot-sdk")

	var comment bytes.Buffer
	require.NoError(t, p.Comment(&comment))
	assert.Contains(t, comment.String(), "- node 1.0.15-preview.4 (next): 2 changed: disconnected session (ftl: failed → passed); turn token (rtl: passed → failed)")
	assert.Contains(t, comment.String(), "- python 1.0.27 (next): no pinned run to compare with")

	var js bytes.Buffer
	require.NoError(t, p.JSON(&js))
	require.NoError(t, Validate("../../schemas/parity.schema.json", js.Bytes()))
}

// An observed value that differs only in ids and numbers (a session id, a
// round trip's milliseconds) is no change; another answer is.
func TestObservedValuesDifferOnlyInWhatTheSDKAnswered(t *testing.T) {
	obs := func(v string) expectations.Judged {
		j := judged("disconnected session answer", expectations.Observed, "@BT-8")
		j.Observations = []expectations.Observation{{Name: "answer", Value: v}}
		return j
	}
	pinned := run("rust", "rust", "1.0.28", 2, "fake", "tcp", expectations.Verdict{Observed: []expectations.Judged{
		obs("JSON-RPC error -32603: Session not found: 169b6274-69bd-4c1e-9a55-0123456789ab after 1.8 ms")}})
	same := run("rust@next", "rust", "1.0.29-preview.4", 2, "fake", "tcp", expectations.Verdict{Observed: []expectations.Judged{
		obs("JSON-RPC error -32603: Session not found: f5a893b6-9f1e-4c1e-9a55-0123456789ab after 2.0 ms")}})
	assert.Empty(t, changes(pinned, same))
	other := run("rust@next", "rust", "1.0.29-preview.4", 2, "fake", "tcp", expectations.Verdict{Observed: []expectations.Judged{
		obs(`{"token":""}`)}})
	got := changes(pinned, other)
	require.Len(t, got, 1)
	assert.Equal(t, `observed (answer={"token":""})`, got[0].Next)
}
