package differential

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/wirelog"
)

func frames(t *testing.T, entries ...[2]string) []wirelog.Frame {
	t.Helper()
	l := wirelog.New()
	for _, e := range entries {
		l.Add(wirelog.Direction(e[0]), []byte(e[1]))
	}
	return l.Frames()
}

func TestSDKLinesNormaliseWhatMustDiffer(t *testing.T) {
	lines := SDKLines(frames(t,
		[2]string{"sdk->runtime", `{"jsonrpc":"2.0","id":7,"method":"session.create","params":{"sessionId":"82fedb34-84ff-437c-978e-848c2334a64f","provider":{"baseUrl":"http://127.0.0.1:41234/v1","hasBearerTokenProvider":true}}}`},
		[2]string{"runtime->sdk", `{"jsonrpc":"2.0","id":7,"result":{"sessionId":"x"}}`},
		[2]string{"runtime->sdk", `{"jsonrpc":"2.0","id":"abc","method":"providerToken.getToken","params":{}}`},
		[2]string{"sdk->runtime", `{"jsonrpc":"2.0","id":"abc","result":{"token":"tok-1"}}`},
		[2]string{"runtime->sdk", `{"jsonrpc":"2.0","id":9,"method":"providerToken.getToken","params":{}}`},
		[2]string{"sdk->runtime", `{"jsonrpc":"2.0","id":9,"error":{"code":-32603,"message":"boom"}}`},
	))
	assert.Equal(t, []string{
		`session.create {"provider":{"baseUrl":"http://<loopback>/v1","hasBearerTokenProvider":true},"sessionId":"<uuid>"}`,
		`answer to providerToken.getToken: {"token":"tok-1"}`,
		`answer to providerToken.getToken: error -32603 boom`,
	}, lines, "only what the SDK sent, ids dropped, UUIDs and ports normalised, keys sorted")
}

func TestCompareFindsAndAcceptsDifferences(t *testing.T) {
	fake := Record{Scenario: "s", Frames: frames(t,
		[2]string{"sdk->runtime", `{"id":1,"method":"connect","params":{}}`},
		[2]string{"sdk->runtime", `{"id":2,"method":"session.send","params":{"prompt":"hi"}}`},
	), Model: []ModelRequest{{Path: "/v1/chat/completions", Authorization: "Bearer tok-1"}}}
	real := Record{Scenario: "s", Frames: frames(t,
		[2]string{"sdk->runtime", `{"id":1,"method":"session.send","params":{"prompt":"hi"}}`},
		[2]string{"sdk->runtime", `{"id":2,"method":"connect","params":{}}`},
		[2]string{"sdk->runtime", `{"id":3,"method":"session.log","params":{}}`},
	), Model: []ModelRequest{{Path: "/v1/chat/completions", Authorization: "Bearer tok-2"}}}
	diffs := Compare("node", fake, real, nil)
	require.Len(t, diffs, 3, "order does not matter; an extra message and a different token do")
	assert.Equal(t, Difference{Scenario: "s", Only: "real", Line: "session.log {}"}, diffs[0])
	assert.Equal(t, "POST /v1/chat/completions Authorization: Bearer tok-1", diffs[1].Line)
	assert.Equal(t, "fake", diffs[1].Only)

	accepted := writeAccepted(t, `accepted:
  - scenario: s
    only: real
    pattern: '^session\.log '
    reason: the real runtime asks for logs
`)
	diffs = Compare("node", fake, real, accepted)
	assert.Equal(t, "the real runtime asks for logs", diffs[0].Accepted)
	assert.Empty(t, diffs[1].Accepted)

	for _, entry := range []string{
		"  - {scenario: other, pattern: '^session', reason: r}",         // another scenario
		"  - {scenario: s, only: fake, pattern: '^session', reason: r}", // the other runtime
		"  - {scenario: s, sdks: [go], pattern: '^session', reason: r}", // another SDK
	} {
		diffs = Compare("node", fake, real, writeAccepted(t, "accepted:\n"+entry+"\n"))
		assert.Empty(t, diffs[0].Accepted, "%s must not cover the difference", entry)
	}
}

func TestLoadAcceptedWantsAReasonAndAScenario(t *testing.T) {
	for entry, want := range map[string]string{
		"  - {scenario: s, pattern: x}":                        "has no reason",
		"  - {pattern: x, reason: r}":                          "names no scenario",
		"  - {scenario: s, only: both, pattern: x, reason: r}": "want fake, real or nothing",
		"  - {scenario: s, pattern: '(', reason: r}":           "error parsing regexp",
	} {
		path := filepath.Join(t.TempDir(), "accepted.yaml")
		require.NoError(t, os.WriteFile(path, []byte("accepted:\n"+entry+"\n"), 0o644))
		_, err := LoadAccepted(path)
		assert.ErrorContains(t, err, want, entry)
	}
}

func writeAccepted(t *testing.T, yaml string) []Accepted {
	t.Helper()
	path := filepath.Join(t.TempDir(), "accepted.yaml")
	require.NoError(t, os.WriteFile(path, []byte(yaml), 0o644))
	accepted, err := LoadAccepted(path)
	require.NoError(t, err)
	return accepted
}

func TestRecordRoundTrip(t *testing.T) {
	dir := t.TempDir()
	rec := Record{Scenario: "A request naming one session, never another's", Frames: frames(t, [2]string{"sdk->runtime", `{"id":1,"method":"connect"}`})}
	require.NoError(t, rec.Write(dir))
	assert.FileExists(t, filepath.Join(dir, "wire", "a-request-naming-one-session-never-another-s.json"))
	back, err := Load(FileName(dir, rec.Scenario))
	require.NoError(t, err)
	assert.Equal(t, []string{"connect "}, SDKLines(back.Frames))
}
