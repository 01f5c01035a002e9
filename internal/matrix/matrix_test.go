package matrix

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/expectations"
	"conformance/internal/results"
	"conformance/internal/versions"
)

const disconnected = "A request naming a disconnected session gets an error"

// pythonLike is a version list where BT-8 fails up to fixedIn (exclusive)
// and BT-4 always passes, as python's did up to 1.0.18.
func pythonLike(n, fixedIn int) []versions.Version {
	var vs []versions.Version
	for i := 0; i < n; i++ {
		gen := 2
		if i == 0 {
			gen = 1
		}
		vs = append(vs, versions.Version{Version: fmt.Sprintf("1.0.%d", 4+i), Generation: gen})
	}
	return vs
}

func runOf(v versions.Version, bt8Fails bool) results.Run {
	r := results.Run{Label: "python@" + v.Version, SDK: "python", SDKVersion: v.Version}
	pass := expectations.Judged{Result: expectations.Result{Scenario: "default is asked for", Tags: []string{"@BT-4"}, Status: expectations.Passed}}
	r.Verdict.Passed = append(r.Verdict.Passed, pass)
	bt8 := expectations.Judged{Result: expectations.Result{Scenario: disconnected, Tags: []string{"@BT-8"}}}
	if bt8Fails {
		bt8.Status, bt8.Message = expectations.Failed, `the SDK answered {"token":"a-1"}, want an error`
		r.Verdict.ExpectedFailures = append(r.Verdict.ExpectedFailures, bt8)
	} else {
		bt8.Status = expectations.Passed
		r.Verdict.Passed = append(r.Verdict.Passed, bt8)
	}
	return r
}

func TestBuildFindsTheFirstPassAndTheFix(t *testing.T) {
	vs := pythonLike(17, 14) // 1.0.4 .. 1.0.20, fixed in 1.0.18
	var cells []Cell
	cells = append(cells, Cell{Version: "1.0.2", Generation: 0})
	for i, v := range vs {
		cells = append(cells, FromRun(v, "", runOf(v, i < 14), ""))
	}
	cells = append(cells, Cell{Version: "1.0.21", Generation: 2, NotRun: "the registry refused it"})
	m := Build("python", "test", cells)

	assert.Equal(t, []string{"BT-4", "BT-8"}, m.Rules)
	assert.Equal(t, "1.0.4", m.FirstPass["BT-4"])
	assert.Equal(t, "1.0.18", m.FirstPass["BT-8"])
	require.Len(t, m.Changes, 1)
	ch := m.Changes[0]
	assert.Equal(t, Change{Rule: "BT-8", From: "1.0.17", To: "1.0.18", Before: Fail, After: Pass, Kind: "fixed",
		Evidence: []Evidence{{Scenario: disconnected,
			Before: Scenario{Rules: []string{"BT-8"}, Status: "failed (expected)", Message: `the SDK answered {"token":"a-1"}, want an error`},
			After:  Scenario{Rules: []string{"BT-8"}, Status: "passed"}}}}, ch)

	table := m.Table()
	assert.Contains(t, table, "fail 1.0.4..1.0.17, pass 1.0.18..1.0.20")
	assert.Contains(t, table, "pass 1.0.4..1.0.20")
	assert.Contains(t, table, "fixed in 1.0.18 (after 1.0.17)")
	assert.Contains(t, table, "no callback (before 1.0.4), not run: 1.0.2")
	assert.Contains(t, table, "1.0.21: not run: the registry refused it")
}

func TestBuildSeesARegressionAndNotApplicable(t *testing.T) {
	vs := pythonLike(3, 0)
	cells := []Cell{
		FromRun(vs[0], "", runOf(vs[0], false), ""),
		FromRun(vs[1], "", runOf(vs[1], true), ""),
		{Version: vs[2].Version, Generation: 2, Rules: map[string]Outcome{"BT-8": NotApplicable}},
	}
	m := Build("python", "test", cells)
	require.Len(t, m.Changes, 1)
	assert.Equal(t, "regressed", m.Changes[0].Kind)
	assert.Equal(t, NotApplicable, m.Cells[2].Outcome("BT-8"))
	assert.Equal(t, NotRun, m.Cells[2].Outcome("BT-4"), "a rule the run did not include")
}

// fakeRunner answers from a table of versions where BT-8 fails before
// fixedIn, counting its runs.
func fakeRunner(vs []versions.Version, fixedIn int, cannotRun map[string]bool, runs *int) Runner {
	return func(_ context.Context, v versions.Version, runtime, tags string) (Cell, error) {
		*runs++
		if cannotRun[v.Version] {
			return Cell{Version: v.Version, Generation: v.Generation, NotRun: "not served"}, nil
		}
		for i, w := range vs {
			if w == v {
				return FromRun(v, runtime, runOf(v, i < fixedIn), ""), nil
			}
		}
		return Cell{}, fmt.Errorf("unknown version %s", v.Version)
	}
}

func TestBisectFindsTheChangeWithinItsBudget(t *testing.T) {
	for _, n := range []int{1, 2, 3, 7, 8, 22} {
		budget := int(math.Ceil(math.Log2(float64(n)))) + 1
		for fixedIn := 0; fixedIn < n; fixedIn++ {
			t.Run(fmt.Sprintf("n=%d fixedIn=%d", n, fixedIn), func(t *testing.T) {
				vs := pythonLike(n, fixedIn)
				var runs int
				b, err := Bisect(context.Background(), vs, "BT-8", fakeRunner(vs, fixedIn, nil, &runs), "@BT-8")
				require.NoError(t, err)
				assert.LessOrEqual(t, runs, budget)
				assert.Equal(t, runs, b.Runs)
				assert.Equal(t, vs[fixedIn].Version, b.New.Version)
				if fixedIn == 0 {
					assert.Nil(t, b.Old)
					assert.Contains(t, b.Report(), "no change found")
					return
				}
				require.NotNil(t, b.Old)
				assert.Equal(t, vs[fixedIn-1].Version, b.Old.Version)
				assert.Contains(t, b.Report(), fmt.Sprintf("BT-8 changed between %s and %s", b.Old.Version, b.New.Version))
				assert.Contains(t, b.Report(), "failed (expected)")
			})
		}
	}
}

func TestBisectSkipsAVersionThatCannotRun(t *testing.T) {
	vs := pythonLike(22, 14) // fixed in 1.0.18
	var runs int
	b, err := Bisect(context.Background(), vs, "BT-8", fakeRunner(vs, 14, map[string]bool{"1.0.14": true}, &runs), "@BT-8")
	require.NoError(t, err)
	assert.Equal(t, "1.0.17", b.Old.Version)
	assert.Equal(t, "1.0.18", b.New.Version)
	assert.Contains(t, b.Report(), "skipped 1.0.14 (not served)")
}

func TestTableOnTheRuntimeAxisShowsSDKVersionByRuntimeVersion(t *testing.T) {
	vs := pythonLike(2, 0) // 1.0.4 (generation 1), 1.0.5
	cells := []Cell{
		// Runtime 1.0.13: 1.0.4 fails BT-8, 1.0.5 passes.
		FromRun(vs[0], "1.0.13", runOf(vs[0], true), ""),
		FromRun(vs[1], "1.0.13", runOf(vs[1], false), ""),
		// Runtime 1.0.14: 1.0.4 passes, 1.0.5 cannot run.
		FromRun(vs[0], "1.0.14", runOf(vs[0], false), ""),
		{Version: vs[1].Version, Generation: 2, Runtime: "1.0.14", NotRun: "needs protocol version 4"},
	}
	m := Build("python", "test", cells)
	assert.Equal(t, []string{"1.0.13", "1.0.14"}, m.Runtimes())
	assert.Equal(t, []string{"1.0.4", "1.0.5"}, m.Versions())
	require.Len(t, m.Changes, 1, "a change is looked for within one runtime only")
	assert.Equal(t, "1.0.13", m.Changes[0].Runtime)

	table := m.Table()
	for _, want := range []string{
		"python: 2 versions x 2 real-runtime versions (1.0.13, 1.0.14; from test)",
		"1.0.13: fail 1.0.4, pass 1.0.5 | 1.0.14: pass 1.0.4",        // BT-8, per runtime
		"1.0.13: pass 1.0.4..1.0.5 | 1.0.14: pass 1.0.4",             // BT-4: 1.0.5 did not run on 1.0.14
		"1.0.5 on runtime 1.0.14: not run: needs protocol version 4", // the reason, under the table
	} {
		assert.Contains(t, table, want)
	}
	grid := m.Grid()
	assert.Regexp(t, `SDK version \\ runtime\s+1\.0\.13\s+1\.0\.14\n`, grid)
	assert.Regexp(t, `1\.0\.4\s+fail BT-8 \(1 of 2 scenarios passed\)\s+pass \(2 scenarios\)\n`, grid)
	assert.Regexp(t, `1\.0\.5\s+pass \(2 scenarios\)\s+not run\n`, grid)
	assert.Contains(t, table, grid)
}

func TestTableNamesARuleTheSameOnEveryRuntimeOnce(t *testing.T) {
	vs := pythonLike(2, 0)
	var cells []Cell
	for _, rt := range []string{"1.0.13", "1.0.14"} {
		for _, v := range vs {
			cells = append(cells, FromRun(v, rt, runOf(v, false), ""))
		}
	}
	assert.Contains(t, Build("python", "test", cells).Table(), "BT-4  pass 1.0.4..1.0.5 (on every runtime)")
}

func TestTableOnTheFakeRuntimeHasNoGrid(t *testing.T) {
	vs := pythonLike(2, 0)
	m := Build("python", "test", []Cell{FromRun(vs[0], "", runOf(vs[0], false), ""), FromRun(vs[1], "", runOf(vs[1], false), "")})
	assert.Empty(t, m.Runtimes())
	assert.NotContains(t, m.Table(), "runtime")
	assert.Contains(t, m.Table(), "python: 2 versions (from test)")
}
