package expectations

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const entry = `
  - scenario: s1
    step: token request 1 was answered with a JSON-RPC error
    message: 'was answered with {"token":"a-1"}'
    versions: %s
    reason: answers for a disconnected session
`

func TestParse(t *testing.T) {
	tests := []struct {
		name, body, wantErr string
		wantKnown           int
	}{
		{name: "all", body: "sdk: x\nknown_failures:" + sprintf(entry, "all"), wantKnown: 1},
		{name: "range", body: "sdk: x\nknown_failures:" + sprintf(entry, `">=1.0.4 <1.0.18"`), wantKnown: 1},
		{name: "list", body: "sdk: x\nknown_failures:" + sprintf(entry, `["1.0.4", "1.0.9"]`), wantKnown: 1},
		{name: "empty list", body: "sdk: x\nknown_failures: []\n"},
		{name: "empty file", body: "", wantErr: "no sdk"},
		{name: "no versions", body: "sdk: x\nknown_failures:\n  - {scenario: s, step: st, message: m, reason: r}\n", wantErr: "has no versions"},
		{name: "empty versions", body: "sdk: x\nknown_failures:" + sprintf(entry, "[]"), wantErr: "versions is empty"},
		{name: "empty string", body: "sdk: x\nknown_failures:" + sprintf(entry, `""`), wantErr: "neither a version nor a range"},
		{name: "bad range", body: "sdk: x\nknown_failures:" + sprintf(entry, `">=one"`), wantErr: "neither a version nor a range"},
		{name: "all inside a list", body: "sdk: x\nknown_failures:" + sprintf(entry, `["all", "1.0.4"]`), wantErr: `"all" cannot be one entry`},
		{name: "no step", body: "sdk: x\nknown_failures:\n  - {scenario: s, message: m, versions: all, reason: r}\n", wantErr: "has no step"},
		{name: "no message", body: "sdk: x\nknown_failures:\n  - {scenario: s, step: st, versions: all, reason: r}\n", wantErr: "has no message"},
		{name: "no reason", body: "sdk: x\nknown_failures:\n  - {scenario: s, step: st, message: m, versions: all}\n", wantErr: "has no reason"},
		{name: "no scenario", body: "sdk: x\nknown_failures:\n  - {step: st, message: m, versions: all, reason: r}\n", wantErr: "has no scenario"},
		{name: "duplicate", body: "sdk: x\nknown_failures:\n  - {scenario: s, step: st, message: m, versions: all, reason: r}\n  - {scenario: s, step: st, message: m, versions: [1.0.4], reason: r}\n", wantErr: "listed twice"},
		{name: "same scenario, another step", body: "sdk: x\nknown_failures:\n  - {scenario: s, step: st, message: m, versions: all, reason: r}\n  - {scenario: s, step: st2, message: m, versions: [1.0.4], reason: r}\n", wantKnown: 2},
		{name: "typo in a key", body: "sdk: x\nknown_failure: []\n", wantErr: "field known_failure not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("x.yaml", []byte(tt.body))
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Contains(t, err.Error(), "x.yaml")
				return
			}
			require.NoError(t, err)
			assert.Len(t, f.KnownFailures, tt.wantKnown)
		})
	}
}

func sprintf(format, versions string) string {
	return fmt.Sprintf(format, versions)
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "x.yaml"), []byte("sdk: y\n"), 0o644))
	_, err := Load(dir, "x")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `sdk is "y", want "x"`)

	f, err := Load(t.TempDir(), "go")
	require.NoError(t, err, "a missing file means no known failures")
	assert.Equal(t, File{SDK: "go"}, f)
}

// TestTheSuitesFilesParse keeps expectations/*.yaml in the current form.
func TestTheSuitesFilesParse(t *testing.T) {
	files, err := filepath.Glob("../../expectations/*.yaml")
	require.NoError(t, err)
	for _, path := range files {
		name := filepath.Base(path)
		if name == "differential.yaml" { // another format: internal/differential
			continue
		}
		t.Run(name, func(t *testing.T) {
			_, err := Load(filepath.Dir(path), name[:len(name)-len(".yaml")])
			require.NoError(t, err)
		})
	}
}

func TestVersions(t *testing.T) {
	tests := []struct {
		items    []string
		version  string
		contains bool
		str      string
	}{
		{items: []string{"all"}, version: "0.0.0.dev0", contains: true, str: "all versions"},
		{items: []string{">=1.0.4 <1.0.18"}, version: "1.0.17", contains: true, str: ">=1.0.4 <1.0.18"},
		{items: []string{">=1.0.4 <1.0.18"}, version: "1.0.18", contains: false},
		{items: []string{">=1.0.4 <1.0.18"}, version: "(devel)", contains: false},
		{items: []string{"1.0.9", "1.0.4"}, version: "1.0.4", contains: true, str: "1.0.4 to 1.0.9"},
		{items: []string{"1.0.9", "1.0.4"}, version: "1.0.5", contains: false},
		{items: []string{"1.0.14"}, version: "v1.0.14", contains: true, str: "1.0.14"},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			v, err := ParseVersions(tt.items...)
			require.NoError(t, err)
			assert.Equal(t, tt.contains, v.Contains(tt.version))
			if tt.str != "" {
				assert.Equal(t, tt.str, v.String())
			}
			b, err := json.Marshal(v)
			require.NoError(t, err)
			var back Versions
			require.NoError(t, json.Unmarshal(b, &back))
			assert.Equal(t, v.String(), back.String(), "verdict.json round trip of %s", b)
		})
	}
}

func versions(t *testing.T, items ...string) Versions {
	t.Helper()
	v, err := ParseVersions(items...)
	require.NoError(t, err)
	return v
}

const (
	stepErr = "token request 1 was answered with a JSON-RPC error"
	msgErr  = `token request 1 was answered with {"token":"a-1"}, want a JSON-RPC error`
)

func TestVerdict(t *testing.T) {
	f := File{SDK: "python", KnownFailures: []KnownFailure{
		{Scenario: "known and fails", Step: stepErr, Message: `{"token":"a-1"}`, Versions: versions(t, ">=1.0.4 <1.0.18"), Reason: "r1"},
		{Scenario: "known and passes", Step: stepErr, Message: "m", Versions: versions(t, "all"), Reason: "r2"},
		{Scenario: "known, other version", Step: stepErr, Message: "m", Versions: versions(t, "1.0.4"), Reason: "r3"},
		{Scenario: "known, not run", Step: stepErr, Message: "m", Versions: versions(t, "all"), Reason: "r4"},
		{Scenario: "known, fails at another step", Step: stepErr, Message: `{"token":"a-1"}`, Versions: versions(t, "all"), Reason: "r5"},
		{Scenario: "known, not applicable", Step: stepErr, Message: "m", Versions: versions(t, "all"), Reason: "r6"},
	}}
	v := f.For("1.0.17", true).Verdict([]Result{
		{Scenario: "plain pass", Status: Passed},
		{Scenario: "plain fail", Status: Failed, Step: "x", Message: "boom"},
		{Scenario: "known and fails", Status: Failed, Step: stepErr, Message: msgErr},
		{Scenario: "known and passes", Status: Passed},
		{Scenario: "known, other version", Status: Failed, Step: stepErr, Message: "m"},
		{Scenario: "known, fails at another step", Status: Failed, Step: "the callback \"A/singular\" was not invoked", Message: msgErr},
		{Scenario: "known, not applicable", Status: NotApplicable, Message: "needs capability resume"},
		{Scenario: "gen 2 only", Status: NotApplicable, Tags: []string{"@BT-7", "@gen2"}, Message: "generation 1 has no sessionId"},
		{Scenario: "empty token", Status: Observed, Observations: []Observation{{Name: "answer", Value: `{"token":""}`}}},
	})
	names := func(js []Judged) []string {
		var out []string
		for _, j := range js {
			out = append(out, j.Scenario)
		}
		return out
	}
	entries := func(ks []KnownFailure) []string {
		var out []string
		for _, k := range ks {
			out = append(out, k.Scenario)
		}
		return out
	}
	assert.Equal(t, []string{"plain pass"}, names(v.Passed))
	assert.Equal(t, []string{"known and fails"}, names(v.ExpectedFailures))
	assert.Equal(t, "r1", v.ExpectedFailures[0].Reason)
	assert.Equal(t, []string{"plain fail", "known, other version", "known, fails at another step"}, names(v.UnexpectedFailures))
	assert.Contains(t, v.UnexpectedFailures[1].Note, "known in python 1.0.4, which does not cover 1.0.17: r3")
	assert.Contains(t, v.UnexpectedFailures[2].Note, `lists this scenario failing at step "token request 1 was answered with a JSON-RPC error"`,
		"the message names the entry it almost matched")
	assert.Equal(t, []string{"known and passes"}, names(v.UnexpectedPasses))
	assert.Equal(t, []string{"known, not applicable", "gen 2 only"}, names(v.NotApplicable))
	assert.Equal(t, []string{"empty token"}, names(v.Observed))
	assert.Equal(t, []string{"known and passes", "known, fails at another step"}, entries(v.Stale))
	assert.Equal(t, []string{"known, not run", "known, not applicable"}, entries(v.NotRun))
	assert.Equal(t, map[string]int{"BT-7": 1}, v.NotApplicableByRule)
	assert.False(t, v.OK())
	assert.Equal(t, "1 passed, 4 failed (1 expected, 3 unexpected), 1 unexpectedly passed, 2 not applicable, 1 observed, "+
		"2 stale known failure(s), 2 known failure(s) not run", v.Summary())
}

// Each mechanism on its own: the run is OK only when every failure is
// known exactly as it happened and every known failure that ran matched.
func TestVerdictOK(t *testing.T) {
	f := File{SDK: "node", KnownFailures: []KnownFailure{
		{Scenario: "s", Step: stepErr, Message: `{"token":"a-1"}`, Versions: versions(t, "all"), Reason: "r"},
	}}
	tests := []struct {
		name    string
		results []Result
		ok      bool
	}{
		{name: "the known failure, as recorded", ok: true,
			results: []Result{{Scenario: "s", Status: Failed, Step: stepErr, Message: msgErr}}},
		{name: "the scenario not in the run: listed, not failing", ok: true,
			results: []Result{{Scenario: "other", Status: Passed}}},
		{name: "another step is not covered",
			results: []Result{{Scenario: "s", Status: Failed, Step: "the reply is \"ten\"", Message: msgErr}}},
		{name: "another message is not covered",
			results: []Result{{Scenario: "s", Status: Failed, Step: stepErr, Message: "driver did not answer send within 20s"}}},
		{name: "a pass makes the entry stale",
			results: []Result{{Scenario: "s", Status: Passed}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := f.For("1.0.14", true).Verdict(tt.results)
			assert.Equal(t, tt.ok, v.OK(), "%+v", v)
			if !tt.ok {
				assert.Len(t, v.Stale, 1, "the entry matched nothing in a run that included its scenario")
			}
		})
	}
}

// A build whose version is unknown (a source build declaring none) gets no
// known failure of a released version: the failure is unexpected, and says
// where it is known.
func TestVerdictUnknownVersion(t *testing.T) {
	f := File{SDK: "python", KnownFailures: []KnownFailure{
		{Scenario: "s", Step: stepErr, Message: `{"token":"a-1"}`, Versions: versions(t, ">=1.0.4 <1.0.18"), Reason: "BT-8, fixed in 1.0.18"},
		{Scenario: "t", Step: stepErr, Message: `{"token":"a-1"}`, Versions: versions(t, "all"), Reason: "everywhere"},
	}}
	results := []Result{
		{Scenario: "s", Status: Failed, Step: stepErr, Message: msgErr},
		{Scenario: "t", Status: Failed, Step: stepErr, Message: msgErr},
	}
	v := f.For("0.0.0.dev0", false).Verdict(results)
	require.Len(t, v.UnexpectedFailures, 1)
	assert.Equal(t, "known in python >=1.0.4 <1.0.18: BT-8, fixed in 1.0.18 (this build's version is unknown)", v.UnexpectedFailures[0].Note)
	require.Len(t, v.ExpectedFailures, 1, `"all" covers an unknown version too`)
	assert.Equal(t, "t", v.ExpectedFailures[0].Scenario)
	assert.Empty(t, v.Stale, "an entry that does not apply to the build is not stale")

	assert.True(t, f.For("1.0.17", true).Verdict(results).OK())
	// "1.0.11" said to be unknown: the harness, not the string, decides.
	assert.False(t, f.For("1.0.11", false).Verdict(results).OK())
}
