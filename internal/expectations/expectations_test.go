package expectations

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func write(t *testing.T, dir, name, body string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, body, wantErr string
		wantKnown           int
	}{
		{name: "ok", body: "sdk: x\nknown_failures:\n  - scenario: s1\n    reason: drops the flag\n", wantKnown: 1},
		{name: "empty list", body: "sdk: x\nknown_failures: []\n"},
		{name: "no reason", body: "sdk: x\nknown_failures:\n  - scenario: s1\n", wantErr: `known failure "s1" has no reason`},
		{name: "no scenario", body: "sdk: x\nknown_failures:\n  - reason: r\n", wantErr: "has no scenario"},
		{name: "duplicate", body: "sdk: x\nknown_failures:\n  - {scenario: s, reason: r}\n  - {scenario: s, reason: r}\n", wantErr: "listed twice"},
		{name: "wrong sdk", body: "sdk: y\n", wantErr: `sdk is "y", want "x"`},
		{name: "typo in a key", body: "sdk: x\nknown_failure: []\n", wantErr: "field known_failure not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			write(t, dir, "x.yaml", tt.body)
			f, err := Load(dir, "x")
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Len(t, f.KnownFailures, tt.wantKnown)
		})
	}
}

func TestLoadMissingFileMeansNoKnownFailures(t *testing.T) {
	f, err := Load(t.TempDir(), "go")
	require.NoError(t, err)
	assert.Equal(t, File{SDK: "go"}, f)
}

func TestJudge(t *testing.T) {
	f := File{SDK: "node", KnownFailures: []KnownFailure{
		{Scenario: "known and fails", Reason: "r1"},
		{Scenario: "known and passes", Reason: "r2"},
		{Scenario: "known, other version", Reason: "r3", Versions: []string{"1.0.4"}},
		{Scenario: "known, not run", Reason: "r4"},
	}}
	v := f.Judge("1.0.14", []Result{
		{Scenario: "plain pass", Status: Passed},
		{Scenario: "plain fail", Status: Failed, Message: "boom"},
		{Scenario: "known and fails", Status: Failed},
		{Scenario: "known and passes", Status: Passed},
		{Scenario: "known, other version", Status: Failed},
		{Scenario: "gen 2 only", Status: NotApplicable, Message: "generation 1 has no sessionId"},
		{Scenario: "empty token", Status: Observed, Observations: []Observation{{Name: "answer", Value: `{"token":""}`}}},
	})
	names := func(js []Judged) []string {
		var out []string
		for _, j := range js {
			out = append(out, j.Scenario)
		}
		return out
	}
	assert.Equal(t, []string{"plain pass"}, names(v.Passed))
	assert.Equal(t, []string{"known and fails"}, names(v.ExpectedFailures))
	assert.Equal(t, "r1", v.ExpectedFailures[0].Reason)
	assert.Equal(t, []string{"plain fail", "known, other version"}, names(v.UnexpectedFailures))
	assert.Equal(t, []string{"known and passes"}, names(v.UnexpectedPasses))
	assert.Equal(t, []string{"gen 2 only"}, names(v.NotApplicable))
	assert.Equal(t, []string{"empty token"}, names(v.Observed))
	assert.Equal(t, "known, not run", v.Unused[0].Scenario)
	assert.False(t, v.OK())
	assert.Equal(t, "1 passed, 3 failed (1 expected, 2 unexpected), 1 unexpectedly passed, 1 not applicable, 1 observed", v.Summary())

	assert.True(t, f.Judge("1.0.14", []Result{{Scenario: "known and fails", Status: Failed}}).OK())
	assert.False(t, f.Judge("1.0.14", []Result{{Scenario: "known and passes", Status: Passed}}).OK(),
		"a known failure that passes is unexpected: its record is stale")
}
