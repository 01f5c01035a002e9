package dashboard

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/contract"
	"conformance/internal/expectations"
	"conformance/internal/matrix"
	"conformance/internal/results"
	"conformance/internal/wirelog"
)

// repoRules are the rules the repository's features state.
func repoRules(t *testing.T) []contract.Rule {
	t.Helper()
	rules, err := contract.Load("../../features")
	require.NoError(t, err)
	return rules
}

func judged(name string, status expectations.Status, tags ...string) expectations.Judged {
	return expectations.Judged{Result: expectations.Result{Feature: "f", Scenario: name, Tags: tags, Status: status}}
}

func knownFailure(name, reason string, tags ...string) expectations.Judged {
	j := judged(name, expectations.Failed, tags...)
	j.Expected, j.Reason, j.Message = true, reason, "answered with a token"
	return j
}

func run(label, sdk, version string, gen int, runtime, transport string, v expectations.Verdict) LoadedRun {
	return LoadedRun{Dir: "results/" + label, Run: results.Run{Label: label, SDK: sdk, SDKVersion: version, Generation: gen,
		Runtime: runtime, RuntimeVersion: "1", Runner: "local", Transport: transport, SuiteCommit: "c1", FinishedAt: "2026-12-01T10:00:00Z", Verdict: v}}
}

// fixture is a set of runs that differ in every way a cell can: node on
// two configurations that disagree on BT-8, node 1.0.4 (generation 1), go
// with an unexpected failure, python not applicable on BT-7, java run on
// BT-8 only, and dotnet not run here.
func fixture() Input {
	unexpected := judged("unknown session", expectations.Failed, "@BT-8")
	unexpected.Message = "token request was answered with a token, want a JSON-RPC error"
	unexpected.Step = "the runtime asks for a token for an unknown session"
	unexpected.Note = "known in go >=1.0.15, which does not cover 1.0.14"
	na := judged("session id", expectations.NotApplicable, "@BT-7")
	na.Message = "needs contract generation 2"
	observed := judged("empty token", expectations.Observed, "@BT-6")
	observed.Observations = []expectations.Observation{{Name: "answer", Value: `{"token":""}`}}
	stale := judged("unknown session", expectations.Passed, "@BT-8")
	stale.Expected, stale.Reason = true, "used to answer"

	node := run("node", "node", "1.0.14", 2, "fake", "tcp", expectations.Verdict{
		Passed:           []expectations.Judged{judged("session id", expectations.Passed, "@BT-7"), judged("unknown session", expectations.Passed, "@BT-8")},
		ExpectedFailures: []expectations.Judged{knownFailure("disconnected session", "keeps answering after disconnect", "@BT-8")},
		Observed:         []expectations.Judged{observed},
	})
	node.Frames = func(string) []string { return []string{"#11 runtime->sdk providerToken.getToken"} }
	nodeReal := run("node.real-runtime.stdio", "node", "1.0.14", 2, "real", "stdio", expectations.Verdict{
		Passed: []expectations.Judged{judged("session id", expectations.Passed, "@BT-7"), judged("disconnected session", expectations.Passed, "@BT-8")},
	})
	old := run("node@1.0.4", "node", "1.0.4", 1, "fake", "tcp", expectations.Verdict{
		NotApplicable:    []expectations.Judged{na},
		UnexpectedPasses: []expectations.Judged{stale},
	})
	old.RequestedVersion = "1.0.4"
	goRun := run("go", "go", "1.0.14", 2, "fake", "tcp", expectations.Verdict{
		Passed:             []expectations.Judged{judged("session id", expectations.Passed, "@BT-7")},
		UnexpectedFailures: []expectations.Judged{unexpected},
	})
	python := run("python", "python", "1.0.27", 2, "fake", "tcp", expectations.Verdict{NotApplicable: []expectations.Judged{na}})
	java := run("java+source", "java", "1.0.11", 2, "fake", "tcp", expectations.Verdict{
		ExpectedFailures: []expectations.Judged{knownFailure("disconnected session", "java keeps the session", "@BT-8")},
	})
	java.Source, java.Tags = "/src/java", "@BT-8"
	dotnet := LoadedRun{Dir: "results/dotnet", Run: results.Run{Label: "dotnet", SDK: "dotnet", Runtime: "fake", Runner: "local", Transport: "tcp",
		SuiteCommit: "c1", NotRun: "dotnet: .NET SDK not found (no dotnet on PATH)"}}
	return Input{Runs: []LoadedRun{dotnet, goRun, java, node, nodeReal, old, python}, Mutants: map[string]Mutation{"go": {SDK: "go", Version: "v1.0.14", PristineOK: true, Caught: 9, Total: 10}}}
}

func build(t *testing.T, in Input) Parity {
	t.Helper()
	return Build(repoRules(t), in, "abc123", "2026-12-01 10:00 UTC")
}

func cellAt(t *testing.T, p Parity, rule, column string) Cell {
	t.Helper()
	for _, r := range p.Rules {
		for _, c := range r.Cells {
			if r.ID == rule && c.Column == column {
				return c
			}
		}
	}
	t.Fatalf("no cell %s %s", rule, column)
	return Cell{}
}

func TestColumnsAreTheSDKsInOrderWithABuildPerVersionAndGeneration(t *testing.T) {
	p := build(t, fixture())
	var ids []string
	for _, c := range p.Columns {
		ids = append(ids, c.ID)
	}
	assert.Equal(t, []string{"node-1_0_14-g2", "node-1_0_4-g1", "python-1_0_27-g2", "go-1_0_14-g2", "dotnet", "rust", "java-1_0_11-g2-source"}, ids)
	assert.Equal(t, []string{"node", "node.real-runtime.stdio"}, p.Columns[0].Runs, "a build's configurations share its column")
	assert.Equal(t, ".NET", p.Columns[4].Name)
	assert.Equal(t, "dotnet: .NET SDK not found (no dotnet on PATH)", p.Columns[4].NotRun)
	assert.Contains(t, p.Columns[5].NotRun, "no run of rust", "an SDK without a run keeps its column")
	assert.Equal(t, &Mutation{SDK: "go", Version: "v1.0.14", PristineOK: true, Caught: 9, Total: 10}, p.Columns[3].Mutation)
	assert.Equal(t, "java 1.0.11+source", p.Columns[6].Title())
	assert.Equal(t, map[string]int{"c1": 7}, p.SuiteCommits)
}

func TestACellIsTheWorstStateOfItsConfigurationsAndSaysWhy(t *testing.T) {
	p := build(t, fixture())
	for _, tc := range []struct {
		rule, column, state, reason string
		configs                     []string
	}{
		{"BT-8", "node-1_0_14-g2", FailsExpected, "", []string{"ftl " + FailsExpected, "rsl " + Passes}},
		{"BT-7", "node-1_0_14-g2", Passes, "", []string{"ftl " + Passes, "rsl " + Passes}},
		{"BT-8", "node-1_0_4-g1", PassesUnexpectedly, "", []string{"ftl " + PassesUnexpectedly}},
		{"BT-7", "node-1_0_4-g1", NotApplicable, "needs contract generation 2", []string{"ftl " + NotApplicable}},
		{"BT-7", "python-1_0_27-g2", NotApplicable, "needs contract generation 2", []string{"ftl " + NotApplicable}},
		{"BT-8", "go-1_0_14-g2", FailsUnexpected, "", []string{"ftl " + FailsUnexpected}},
		{"BT-6", "node-1_0_14-g2", Observed, "", []string{"ftl " + Observed, "rsl " + NotRun}},
		{"BT-1", "dotnet", NotRun, "dotnet: .NET SDK not found (no dotnet on PATH)", []string{"ftl " + NotRun}},
		{"BT-1", "rust", NotRun, "no run of rust in these results (make conformance SDK=rust)", nil},
		{"BT-8", "java-1_0_11-g2-source", FailsExpected, "", []string{"ftl " + FailsExpected}},
		{"BT-1", "java-1_0_11-g2-source", NotRun, "this run's TAGS=@BT-8 left the rule out", []string{"ftl " + NotRun}},
	} {
		t.Run(tc.rule+" "+tc.column, func(t *testing.T) {
			c := cellAt(t, p, tc.rule, tc.column)
			assert.Equal(t, tc.state, c.State)
			assert.Equal(t, tc.reason, c.Reason)
			var configs []string
			for _, x := range c.Configs {
				configs = append(configs, x.Config+" "+x.State)
			}
			assert.Equal(t, tc.configs, configs)
		})
	}
	observed := cellAt(t, p, "BT-6", "node-1_0_14-g2")
	assert.Equal(t, []Config{observed.Configs[0]}, observed.Marks(), "a configuration that left the rule out is no difference to mark")
	assert.False(t, observed.Differ())
	assert.True(t, cellAt(t, p, "BT-8", "node-1_0_14-g2").Differ())

	c := cellAt(t, p, "BT-8", "node-1_0_14-g2")
	require.Len(t, c.Scenarios, 2)
	res := c.Scenarios[0].Results[0]
	assert.Equal(t, "disconnected session", c.Scenarios[0].Name)
	assert.Equal(t, "keeps answering after disconnect", res.Reason)
	assert.Equal(t, "answered with a token", res.Message)
	assert.Equal(t, []string{"#11 runtime->sdk providerToken.getToken"}, res.Frames)
	assert.Equal(t, "make conformance SDK=node TAGS=@BT-8 RUNTIME=fake TRANSPORT=tcp RUNNER=local", res.Reproduce)
	assert.Equal(t, "make conformance SDK=node TAGS=@BT-8 RUNTIME=real TRANSPORT=stdio RUNNER=local", c.Scenarios[0].Results[1].Reproduce)
	assert.Empty(t, c.Scenarios[1].Results[0].Frames, "a pass needs no wire frames")
	assert.Equal(t, "make conformance SDK=dotnet TAGS=@BT-1 RUNTIME=fake TRANSPORT=tcp RUNNER=local", cellAt(t, p, "BT-1", "dotnet").Configs[0].Reproduce,
		"a configuration that did not run says how to run it")
	java := cellAt(t, p, "BT-8", "java-1_0_11-g2-source").Scenarios[0].Results[0]
	assert.Equal(t, "make conformance SDK=java SDK_SOURCE=/src/java TAGS=@BT-8 RUNTIME=fake TRANSPORT=tcp RUNNER=local", java.Reproduce)
}

func TestHTMLIsOneOfflinePageWithTheMatrixAndItsDrillDown(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, build(t, fixture()).HTML(&b))
	html := b.String()
	for _, banned := range []string{"<script", "src=", `href="http`, "@import", "url("} {
		assert.NotContains(t, html, banned, "the page needs no script and no network")
	}
	for _, want := range []string{
		`<th data-sdk="dotnet">.NET`, `href="#d-node-1_0_14-g2-BT-8"`, `id="d-node-1_0_14-g2-BT-8"`, "✗ known failure", "✗ FAILS (unexpected)",
		"keeps answering after disconnect", "#11 runtime-&gt;sdk providerToken.getToken", "needs contract generation 2",
		"make conformance SDK=node TAGS=@BT-8 RUNTIME=real TRANSPORT=stdio RUNNER=local", "mutants 9/10", "not run here",
		"this run&#39;s TAGS=@BT-8 left the rule out", "failed at step: the runtime asks for a token for an unknown session", "known in go &gt;=1.0.15", `{&#34;token&#34;:&#34;&#34;}`, "<code>providerToken.getToken</code>",
	} {
		assert.Contains(t, html, want)
	}
	assert.NotContains(t, html, "0/0", "not applicable is never a count")

	in := fixture()
	in.Mutants["go"] = Mutation{SDK: "go", Version: "v1.0.14", Caught: 0, Total: 10}
	b.Reset()
	require.NoError(t, build(t, in).HTML(&b))
	assert.Contains(t, b.String(), "mutants 0/10 (unpatched copy failed)", "a score whose unpatched copy failed says so")
}

func TestTentativeRulesHaveTheirOwnHeadingAndWhy(t *testing.T) {
	rules := []contract.Rule{
		{ID: "BT-7", Number: 7, Title: "Stated", Text: "Stated `text`."},
		{ID: "BT-16", Number: 16, Title: "Proposed", Text: "A proposal.", Tentative: true, Why: "upstream fixed it once"},
	}
	p := Build(rules, fixture(), "abc", "now")
	var html, md bytes.Buffer
	require.NoError(t, p.HTML(&html))
	require.NoError(t, p.Comment(&md))
	assert.Equal(t, 1, strings.Count(html.String(), "Tentative rules: proposed by the suite"))
	assert.Less(t, strings.Index(html.String(), "BT-7</b>"), strings.Index(html.String(), "Tentative rules"))
	assert.Contains(t, html.String(), "why: upstream fixed it once")
	assert.Contains(t, md.String(), "| *(tentative)* BT-16 Proposed |")
}

func TestTheVersionViewMarksWhereARuleChanged(t *testing.T) {
	in := fixture()
	cells := []matrix.Cell{
		{Version: "1.0.4", Generation: 1, Rules: map[string]matrix.Outcome{"BT-8": matrix.Fail}},
		{Version: "1.0.9", Generation: 2, Rules: map[string]matrix.Outcome{"BT-8": matrix.Pass}},
	}
	in.Matrices = []matrix.Matrix{matrix.Build("python", "PyPI", cells)}
	var b bytes.Buffer
	require.NoError(t, build(t, in).HTML(&b))
	html := b.String()
	assert.Contains(t, html, `id="versions"`)
	assert.Contains(t, html, `class="passes changed" title="fixed in 1.0.9 (after 1.0.4)">✓</td>`)
	assert.Contains(t, html, `<td class="fails">✗</td>`)

	b.Reset()
	require.NoError(t, build(t, fixture()).HTML(&b))
	assert.NotContains(t, b.String(), `id="versions"`, "no matrix, no version view")
}

// The comment holds the matrix and the unexpected results with their
// evidence, and stays under GitHub's limit however many runs there are.
func TestCommentStaysUnderTheLimitWithManyRuns(t *testing.T) {
	for _, n := range []int{1, 50, 400} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			in := Input{}
			for i := 0; i < n; i++ {
				fail := judged("unknown session", expectations.Failed, "@BT-8")
				fail.Message = strings.Repeat("the SDK answered with a token instead of an error; ", 30)
				r := run(fmt.Sprintf("node@1.0.%d", i), "node", fmt.Sprintf("1.0.%d", i), 2, "fake", "tcp", expectations.Verdict{
					UnexpectedFailures: []expectations.Judged{fail}, Passed: []expectations.Judged{judged("flag", expectations.Passed, "@BT-1")}})
				r.RequestedVersion = r.SDKVersion
				r.Frames = func(string) []string { return []string{strings.Repeat("#9 sdk->runtime {...}", 10)} }
				in.Runs = append(in.Runs, r)
			}
			var b bytes.Buffer
			require.NoError(t, build(t, in).Comment(&b))
			md := b.String()
			assert.Less(t, len(md), CommentLimit)
			want := []string{"| rule | node 1.0.", "| BT-8 A request reaches only the session it names |", "### Unexpected results (",
				"reproduce: `make conformance SDK=node SDK_VERSION="}
			if n == 400 {
				want = append(want, "more unexpected results: see dashboard.html", "more columns in the dashboard")
			}
			for _, w := range want {
				assert.True(t, strings.Contains(md, w), "the comment lacks %q", w)
			}
		})
	}
	var b bytes.Buffer
	require.NoError(t, build(t, fixture()).Comment(&b))
	md := b.String()
	assert.Contains(t, md, "### Unexpected results (2)")
	assert.Contains(t, md, "token request was answered with a token, want a JSON-RPC error")
	assert.Contains(t, md, "failed at step: the runtime asks for a token for an unknown session")
	assert.Contains(t, md, "note: known in go >=1.0.15, which does not cover 1.0.14")
	assert.Contains(t, md, "| ⚠️ known (ftl ⚠️ known, rsl ✅) |", "a difference between configurations shows")
	assert.NotContains(t, md, "keeps answering after disconnect", "known failures are in the matrix, not listed")
}

func TestParityJSONValidatesAgainstTheSchema(t *testing.T) {
	const schemaPath = "../../schemas/parity.schema.json"
	in := fixture()
	in.Matrices = []matrix.Matrix{matrix.Build("python", "PyPI", []matrix.Cell{{Version: "1.0.4", Generation: 1, Rules: map[string]matrix.Outcome{"BT-8": matrix.Fail}}})}
	var b bytes.Buffer
	require.NoError(t, build(t, in).JSON(&b))
	require.NoError(t, Validate(schemaPath, b.Bytes()))

	// The schema has teeth: a count in place of a state, or a rule
	// without its cells, does not validate.
	for name, edit := range map[string]func(rule map[string]any){
		"a count for a state": func(rule map[string]any) { rule["cells"].([]any)[0].(map[string]any)["state"] = "0/0 passed" },
		"no cells":            func(rule map[string]any) { delete(rule, "cells") },
	} {
		var raw map[string]any
		require.NoError(t, json.Unmarshal(b.Bytes(), &raw))
		edit(raw["rules"].([]any)[0].(map[string]any))
		broken, err := json.Marshal(raw)
		require.NoError(t, err)
		assert.ErrorContains(t, Validate(schemaPath, broken), "does not conform", name)
	}
}

// Result folders from different machines merge; one label from two
// different (or unrecorded) suite commits is refused unless asked.
func TestLoadMergesResultFolders(t *testing.T) {
	write := func(t *testing.T, root, label, sdk, commit, finished string) {
		dir := filepath.Join(root, label)
		require.NoError(t, os.MkdirAll(dir, 0o755))
		require.NoError(t, results.Run{Label: label, SDK: sdk, SDKVersion: "1", Generation: 2, Runtime: "fake", Runner: "local", Transport: "tcp",
			SuiteCommit: commit, FinishedAt: finished}.Write(dir))
	}
	for _, tc := range []struct {
		name           string
		commitA        string
		commitB        string
		allowMixed     bool
		wantErr        string
		wantLabels     []string
		wantKeptFolder string
	}{
		{name: "same commit keeps the newer run", commitA: "c1", commitB: "c1", wantLabels: []string{"node", "python"}, wantKeptFolder: "b"},
		{name: "different commits are refused", commitA: "c1", commitB: "c2", wantErr: `run "node" is in `},
		{name: "unrecorded commits are refused", commitA: "unknown", commitB: "unknown", wantErr: "suite commit unknown"},
		{name: "different commits merge when asked", commitA: "c1", commitB: "c2", allowMixed: true, wantLabels: []string{"node", "python"}, wantKeptFolder: "b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			a, b := filepath.Join(root, "a"), filepath.Join(root, "b")
			write(t, a, "node", "node", tc.commitA, "2026-12-01T09:00:00Z")
			write(t, b, "node", "node", tc.commitB, "2026-12-01T10:00:00Z")
			write(t, b, "python", "python", tc.commitB, "2026-12-01T10:00:00Z")
			in, err := Load([]string{a, b}, tc.allowMixed)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				assert.Contains(t, err.Error(), "ALLOW_MIXED_COMMITS=1")
				return
			}
			require.NoError(t, err)
			var labels []string
			for _, r := range in.Runs {
				labels = append(labels, r.Label)
			}
			assert.Equal(t, tc.wantLabels, labels)
			assert.Equal(t, filepath.Join(root, tc.wantKeptFolder, "node"), in.Runs[0].Dir)
			require.Len(t, in.Notes, 1)
			assert.Contains(t, in.Notes[0], "run node: kept "+filepath.Join(b, "node"))
		})
	}
	_, err := Load([]string{t.TempDir()}, false)
	assert.ErrorContains(t, err, "run make conformance first")
}

func TestLoadReadsMutationScoresAndWireFrames(t *testing.T) {
	root := t.TempDir()
	run := filepath.Join(root, "go")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "mutants"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(run, "wire"), 0o755))
	require.NoError(t, results.Run{Label: "go", SDK: "go", SuiteCommit: "c1"}.Write(run))
	require.NoError(t, os.WriteFile(filepath.Join(root, "mutants", "go.json"), []byte(`{"sdk": "go", "version": "v1.0.14", "pristine": "38 passed", "pristineOK": true, "caught": 7, "total": 8, "mutants": []}`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(run, "wire", "a-scenario.json"),
		[]byte(`{"scenario":"A scenario","frames":[{"Seq":1,"Conn":1,"Dir":"runtime->sdk","Raw":{"id":0,"method":"providerToken.getToken","params":{}}}]}`), 0o644))
	in, err := Load([]string{root}, false)
	require.NoError(t, err)
	assert.Equal(t, map[string]Mutation{"go": {SDK: "go", Version: "v1.0.14", PristineOK: true, Caught: 7, Total: 8}}, in.Mutants)
	assert.Equal(t, []string{`#1 runtime->sdk {"id":0,"method":"providerToken.getToken","params":{}}`}, in.Runs[0].Frames("A scenario"))
	assert.Nil(t, in.Runs[0].Frames("another scenario"), "no record, no frames")

	require.NoError(t, os.WriteFile(filepath.Join(root, "mutants", "go.json"), []byte(`{"score": "high"}`), 0o644))
	_, err = Load([]string{root}, false)
	assert.ErrorContains(t, err, "not a mutation score")
}

// The frames shown are the last few about tokens, sessions ending and
// errors, with the answers to such requests; not the whole log.
func TestRelevantFrames(t *testing.T) {
	frame := func(seq int, dir wirelog.Direction, raw string) wirelog.Frame {
		return wirelog.Frame{Seq: seq, Conn: 1, Time: time.Unix(0, 0), Dir: dir, Raw: json.RawMessage(raw)}
	}
	frames := []wirelog.Frame{
		frame(1, wirelog.SDKToRuntime, `{"id":1,"method":"session.create","params":{}}`),
		frame(2, wirelog.RuntimeToSDK, `{"id":1,"result":{}}`),
		frame(3, wirelog.SDKToRuntime, `{"id":2,"method":"session.detach","params":{}}`),
		frame(4, wirelog.RuntimeToSDK, `{"id":2,"result":{}}`),
		frame(5, wirelog.RuntimeToSDK, `{"id":0,"method":"providerToken.getToken","params":{"sessionId":"s"}}`),
		frame(6, wirelog.SDKToRuntime, `{"id":0,"result":{"token":"a-1"}}`),
		frame(7, wirelog.SDKToRuntime, `{"id":3,"method":"ping"}`),
		frame(8, wirelog.RuntimeToSDK, `{"id":3,"error":{"code":-32601,"message":"no"}}`),
	}
	assert.Equal(t, []string{
		`#3 sdk->runtime {"id":2,"method":"session.detach","params":{}}`,
		`#4 runtime->sdk {"id":2,"result":{}}`,
		`#5 runtime->sdk {"id":0,"method":"providerToken.getToken","params":{"sessionId":"s"}}`,
		`#6 sdk->runtime {"id":0,"result":{"token":"a-1"}}`,
		`#8 runtime->sdk {"error":{"code":-32601,"message":"no"},"id":3}`,
	}, RelevantFrames(frames))

	var many []wirelog.Frame
	for i := 1; i <= 20; i++ {
		many = append(many, frame(i, wirelog.RuntimeToSDK, fmt.Sprintf(`{"id":%d,"method":"providerToken.getToken"}`, i)))
	}
	got := RelevantFrames(many)
	require.Len(t, got, maxFrames+1)
	assert.Equal(t, "(14 earlier frames of the same kind left out)", got[0])
	assert.True(t, strings.HasPrefix(got[maxFrames], "#20 "))
}
