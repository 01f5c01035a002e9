package dashboard

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/expectations"
	"conformance/internal/soak"
)

var cellLink = regexp.MustCompile(`href="#d-([^"]+)"`)

var soakStart = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// soakOf is a soak report as make soak writes it, from each build's runs
// (one verdict per run), finished at the given minute past soakStart.
func soakOf(t *testing.T, finishedMinute int, runs map[string][]expectations.Verdict) soak.Report {
	t.Helper()
	n := 0
	labels := make([]string, 0, len(runs))
	for label, vs := range runs {
		labels = append(labels, label)
		n = max(n, len(vs))
	}
	sort.Strings(labels)
	s := soak.New(n, soakStart)
	for _, label := range labels {
		for _, v := range runs[label] {
			s.AddRun(label, v, time.Second)
		}
	}
	return s.Report(soakStart.Add(time.Duration(finishedMinute) * time.Minute))
}

func passing(names ...string) expectations.Verdict {
	var v expectations.Verdict
	for _, n := range names {
		v.Passed = append(v.Passed, judged(n, expectations.Passed))
	}
	return v
}

// failingOnce is three runs of a build in which scenario failed in the
// second (with msg) and the others passed every time.
func failingOnce(scenario, msg string, others ...string) []expectations.Verdict {
	fail := passing(others...)
	j := judged(scenario, expectations.Failed)
	j.Message = msg
	fail.UnexpectedFailures = []expectations.Judged{j}
	all := append([]string{scenario}, others...)
	return []expectations.Verdict{passing(all...), fail, passing(all...)}
}

func steady(names ...string) []expectations.Verdict {
	return []expectations.Verdict{passing(names...), passing(names...), passing(names...)}
}

// marked lists every result the dashboard marks flaky, as
// "<rule> <column> <scenario> @ <run>", and checks that each cell's count
// agrees with its results.
func marked(t *testing.T, p Parity) []string {
	t.Helper()
	var out []string
	for _, r := range p.Rules {
		for _, c := range r.Cells {
			n := 0
			for _, s := range c.Scenarios {
				for _, res := range s.Results {
					if res.Flaky != nil {
						n++
						out = append(out, r.ID+" "+c.Column+" "+s.Name+" @ "+res.Run)
					}
				}
			}
			assert.Equal(t, n, c.Flaky, "%s %s: the cell's flaky count", r.ID, c.Column)
		}
	}
	return out
}

// A soak marks the scenario that was flaky on a build (a run label) in
// that run's results only: not the same scenario on the build's other
// configurations, not other builds, not other scenarios.
func TestASoakMarksExactlyTheFlakyScenarioOfItsBuild(t *testing.T) {
	for _, tc := range []struct {
		name     string
		runs     map[string][]expectations.Verdict
		marked   []string
		unplaced []string
		line     string
	}{
		{
			name: "flaky on one configuration of a build",
			runs: map[string][]expectations.Verdict{
				"node.real-runtime.stdio": failingOnce("session id", "callback got sessionId \"\", want s-1", "disconnected session"),
				"node":                    steady("session id", "unknown session"),
				"go":                      steady("session id", "unknown session"),
			},
			marked: []string{"BT-7 node-1_0_14-g2 session id @ node.real-runtime.stdio"},
			line:   "soak: 3 runs per build of go, node, node.real-runtime.stdio, 1 flaky scenario",
		},
		{
			name: "flaky on a build with no run on the page",
			runs: map[string][]expectations.Verdict{
				"rust.stdio": failingOnce("session id", "timed out"),
				"go":         steady("session id"),
			},
			unplaced: []string{"rust.stdio: session id"},
			line:     "soak: 3 runs per build of go, rust.stdio, 1 flaky scenario",
		},
		{
			name: "a scenario absent from some runs is flaky",
			runs: map[string][]expectations.Verdict{
				"go": {passing("session id", "unknown session"), passing("session id"), passing("session id", "unknown session")},
			},
			marked: []string{"BT-8 go-1_0_14-g2 unknown session @ go"},
			line:   "soak: 3 runs per build of go, 1 flaky scenario",
		},
		{
			name: "nothing flaky",
			runs: map[string][]expectations.Verdict{"node": steady("session id"), "go": steady("session id")},
			line: "soak: 3 runs per build of go, node, 0 flaky scenarios",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := fixture()
			in.Soaks = []LoadedSoak{{Path: "results/soak.json", Report: soakOf(t, 1, tc.runs)}}
			p := build(t, in)
			require.NotNil(t, p.Soak)
			assert.Equal(t, tc.marked, marked(t, p))
			var unplaced []string
			for _, f := range p.Soak.Unplaced() {
				unplaced = append(unplaced, f.Build+": "+f.Scenario)
			}
			assert.Equal(t, tc.unplaced, unplaced)
			assert.Len(t, p.Soak.Flaky, len(tc.marked)+len(tc.unplaced), "every flaky scenario is listed once")
			assert.Equal(t, tc.line, p.Soak.Line())

			var html, md, data bytes.Buffer
			require.NoError(t, p.HTML(&html))
			require.NoError(t, p.Comment(&md))
			require.NoError(t, p.JSON(&data))
			require.NoError(t, Validate("../../schemas/parity.schema.json", data.Bytes()))
			assert.Contains(t, html.String(), tc.line)
			assert.Contains(t, md.String(), tc.line)
			assert.Equal(t, len(p.Soak.Flaky), strings.Count(md.String(), "\n- flaky: "), "one comment line per flaky scenario")

			// In the matrix, exactly the marked cells carry the badge.
			matrix := html.String()[:strings.Index(html.String(), "</table>")]
			var badged []string
			for _, cell := range strings.Split(matrix, `<td class="cell`)[1:] {
				if strings.Contains(cell, `class="flaky"`) {
					badged = append(badged, cellLink.FindStringSubmatch(cell)[1])
				}
			}
			var want []string
			for _, m := range tc.marked {
				f := strings.Fields(m)
				want = append(want, f[1]+"-"+f[0])
			}
			assert.Equal(t, want, badged, "the cells with a flaky badge")
		})
	}
}

// The drill-down of a flaky cell says how the runs ended and shows the
// first failure message; the comment names build, rule and message.
func TestAFlakyScenarioShowsItsCountsAndFirstFailure(t *testing.T) {
	in := fixture()
	in.Soaks = []LoadedSoak{{Path: "results/soak.json", Report: soakOf(t, 1, map[string][]expectations.Verdict{
		"node.real-runtime.stdio": failingOnce("session id", "callback got sessionId \"\", want s-1"),
	})}}
	p := build(t, in)
	f := cellAt(t, p, "BT-7", "node-1_0_14-g2").Scenarios[0].Results[1].Flaky
	require.NotNil(t, f)
	assert.Equal(t, "1 of 3 runs failed, 2 passed", f.Counts())
	assert.Equal(t, []string{"BT-7"}, f.Rules)

	var html, md bytes.Buffer
	require.NoError(t, p.HTML(&html))
	require.NoError(t, p.Comment(&md))
	drill := html.String()[strings.Index(html.String(), `id="d-node-1_0_14-g2-BT-7"`):]
	drill = drill[:strings.Index(drill, "</section>")]
	assert.Contains(t, drill, "The soak found 1 of these results flaky")
	assert.Contains(t, drill, "in the soak of node.real-runtime.stdio: 1 of 3 runs failed, 2 passed; first failure:<pre>callback got sessionId &#34;&#34;, want s-1</pre>")
	assert.Equal(t, 1, strings.Count(drill, "first failure:"), "only the flaky configuration's result says so")
	assert.Contains(t, md.String(), "- flaky: **node.real-runtime.stdio** · BT-7 · session id: 1 of 3 runs failed, 2 passed; first failure: `callback got sessionId \"\", want s-1`")
	assert.Contains(t, md.String(), "| ✅ · flaky |", "the comment's matrix marks the cell")
}

func TestWithoutASoakThePageSaysNothingOfIt(t *testing.T) {
	p := build(t, fixture())
	assert.Nil(t, p.Soak)
	var html, md, data bytes.Buffer
	require.NoError(t, p.HTML(&html))
	require.NoError(t, p.Comment(&md))
	require.NoError(t, p.JSON(&data))
	for name, s := range map[string]string{"page": html.String(), "comment": md.String(), "parity.json": data.String()} {
		for _, word := range []string{"soak", "flaky"} {
			assert.False(t, strings.Contains(s, word), "the %s mentions %q", name, word)
		}
	}
}

// Several soak reports merge; a build soaked in two keeps the later
// report, and the notes say so.
func TestSoakReportsMerge(t *testing.T) {
	early := soakOf(t, 1, map[string][]expectations.Verdict{"go": failingOnce("session id", "early")})
	late := soakOf(t, 2, map[string][]expectations.Verdict{"go": steady("session id"), "node": steady("session id")})
	for _, order := range [][]LoadedSoak{{{"a.json", early}, {"b.json", late}}, {{"b.json", late}, {"a.json", early}}} {
		in := fixture()
		in.Soaks = order
		p := build(t, in)
		assert.Equal(t, "soak: 3 runs per build of go, node, 0 flaky scenarios", p.Soak.Line())
		assert.Empty(t, marked(t, p))
		assert.Contains(t, p.Notes, "soak of go: kept b.json (finished 2026-12-01T09:02:00Z), not a.json (finished 2026-12-01T09:01:00Z)")
	}
}

func TestLoadSoaks(t *testing.T) {
	dir := t.TempDir()
	withSoak, without := filepath.Join(dir, "with"), filepath.Join(dir, "without")
	require.NoError(t, os.MkdirAll(without, 0o755))
	good := soakOf(t, 1, map[string][]expectations.Verdict{"go": steady("session id")})
	require.NoError(t, good.Write(filepath.Join(withSoak, SoakFileName)))
	other := filepath.Join(dir, "node-soak.json")
	require.NoError(t, good.Write(other))
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
		return path
	}
	truncated := write("truncated.json", `{"runs": 3, "builds": [`)
	notASoak := write("bench.json", `{"n": 200, "results": []}`)
	noLabel := write("nolabel.json", `{"runs": 3, "builds": [{"completed": 3}]}`)
	missing := filepath.Join(dir, "missing.json")

	for _, tc := range []struct {
		name    string
		dirs    []string
		files   []string
		want    []string // the paths read
		wantErr string
	}{
		{name: "a folder without soak.json has no soak data", dirs: []string{without}},
		{name: "soak.json beside the runs is read", dirs: []string{without, withSoak}, want: []string{filepath.Join(withSoak, SoakFileName)}},
		{name: "named files replace the default", dirs: []string{withSoak}, files: []string{other, filepath.Join(withSoak, SoakFileName)},
			want: []string{other, filepath.Join(withSoak, SoakFileName)}},
		{name: "a named file that is missing", dirs: []string{withSoak}, files: []string{other, missing}, wantErr: "soak report " + missing + ": open"},
		{name: "a named file that is not JSON", files: []string{truncated}, wantErr: "soak report " + truncated + " is not valid JSON of a soak report"},
		{name: "a named file that is another report", files: []string{notASoak}, wantErr: "soak report " + notASoak + `: no "runs"`},
		{name: "a build without a label", files: []string{noLabel}, wantErr: "soak report " + noLabel + ": build 1 has no label"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LoadSoaks(tc.dirs, tc.files)
			if tc.wantErr != "" {
				assert.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			var paths []string
			for _, s := range got {
				paths = append(paths, s.Path)
				assert.Equal(t, good.Runs, s.Runs)
			}
			assert.Equal(t, tc.want, paths)
		})
	}

	// soak.json in a result folder that is malformed is named, not skipped.
	bad := filepath.Join(dir, "bad")
	require.NoError(t, os.MkdirAll(bad, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(bad, SoakFileName), []byte("not json"), 0o644))
	_, err := LoadSoaks([]string{bad}, nil)
	assert.ErrorContains(t, err, "soak report "+filepath.Join(bad, SoakFileName)+" is not valid JSON")

	// What make soak writes reads back as it was.
	got, err := LoadSoaks(nil, []string{other})
	require.NoError(t, err)
	b1, _ := json.Marshal(good)
	b2, _ := json.Marshal(got[0].Report)
	assert.JSONEq(t, string(b1), string(b2))
}
