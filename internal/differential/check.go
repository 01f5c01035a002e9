package differential

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"conformance/internal/expectations"
	"conformance/internal/results"
)

// Report is the differential check of one SDK build's two runs, one on
// each runtime.
type Report struct {
	SDK      string
	FakeDir  string
	RealDir  string
	Compared []string // the scenarios both runs kept a wire record of
	// OneRuntime are the scenarios only one run kept a record of (a
	// @real-only scenario, or one the other run did not include), each
	// with the runtime that ran it.
	OneRuntime  map[string]string
	Differences []Difference
	// Observed are the observed values (expectations.Observation) of
	// compared scenarios that differ between the runtimes: what a scenario
	// records where the runtimes may differ (how a turn ends, how many
	// times the runtime asks). Reported, not judged.
	Observed []ObservedDifference
	// Stale are the accepted entries for this SDK, about a compared
	// scenario, that covered none of its differences.
	Stale []Accepted
}

// ObservedDifference is one observation whose value differs between the
// runtimes.
type ObservedDifference struct {
	Scenario, Name, Fake, Real string
}

// Unaccepted counts the differences no accepted entry covers.
func (r Report) Unaccepted() int {
	n := 0
	for _, d := range r.Differences {
		if d.Accepted == "" {
			n++
		}
	}
	return n
}

// OK says whether the check passes: every difference accepted, and no
// accepted entry stale.
func (r Report) OK() bool { return r.Unaccepted() == 0 && len(r.Stale) == 0 }

// Check compares every scenario the two runs (results directories) both
// kept a wire record of. The SDK is the one the fake run's verdict.json
// names (accepted entries may be about some SDKs only); observations come
// from the two verdicts.
func Check(fakeDir, realDir string, accepted []Accepted) (Report, error) {
	rep := Report{FakeDir: fakeDir, RealDir: realDir, OneRuntime: map[string]string{}}
	fakeRun, err := results.Load(fakeDir)
	if err != nil {
		return rep, fmt.Errorf("the fake-runtime run: %w", err)
	}
	realRun, err := results.Load(realDir)
	if err != nil {
		return rep, fmt.Errorf("the real-runtime run: %w", err)
	}
	if fakeRun.SDK != realRun.SDK || fakeRun.SDKVersion != realRun.SDKVersion {
		return rep, fmt.Errorf("the runs are of different builds: %s %s (fake) and %s %s (real)", fakeRun.SDK, fakeRun.SDKVersion, realRun.SDK, realRun.SDKVersion)
	}
	rep.SDK = fakeRun.SDK
	fakeRecs, err := loadRecords(fakeDir)
	if err != nil {
		return rep, err
	}
	realRecs, err := loadRecords(realDir)
	if err != nil {
		return rep, err
	}
	if len(realRecs) == 0 {
		return rep, fmt.Errorf("no wire records under %s: run make conformance RUNTIME=fake,real first", filepath.Join(realDir, "wire"))
	}
	fakeObs, realObs := observations(fakeRun), observations(realRun)
	for name, r := range realRecs {
		f, ok := fakeRecs[name]
		if !ok {
			rep.OneRuntime[name] = "real"
			continue
		}
		rep.Compared = append(rep.Compared, name)
		rep.Differences = append(rep.Differences, Compare(rep.SDK, f, r, accepted)...)
		rep.Observed = append(rep.Observed, differingObservations(name, fakeObs[name], realObs[name])...)
	}
	for name := range fakeRecs {
		if _, ok := realRecs[name]; !ok {
			rep.OneRuntime[name] = "fake"
		}
	}
	sort.Strings(rep.Compared)
	sort.SliceStable(rep.Differences, func(i, j int) bool { return rep.Differences[i].Scenario < rep.Differences[j].Scenario })
	rep.Stale = stale(rep, accepted)
	return rep, nil
}

// stale lists the entries for this SDK about a compared scenario that
// covered none of its differences. An entry about a scenario this check
// did not compare (a run narrowed by TAGS) is neither confirmed nor
// refuted.
func stale(rep Report, accepted []Accepted) []Accepted {
	var out []Accepted
	for _, a := range accepted {
		if !a.appliesTo(rep.SDK) || !slices.Contains(rep.Compared, a.Scenario) {
			continue
		}
		used := slices.ContainsFunc(rep.Differences, func(d Difference) bool { return a.covers(rep.SDK, d) })
		if !used {
			out = append(out, a)
		}
	}
	return out
}

// loadRecords reads a run's wire records by scenario name.
func loadRecords(dir string) (map[string]Record, error) {
	files, err := filepath.Glob(filepath.Join(dir, "wire", "*.json"))
	if err != nil {
		return nil, err
	}
	recs := map[string]Record{}
	for _, f := range files {
		r, err := Load(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		recs[r.Scenario] = r
	}
	return recs, nil
}

// observations maps each scenario of a run to its observed values.
func observations(run results.Run) map[string][]expectations.Observation {
	out := map[string][]expectations.Observation{}
	v := run.Verdict
	for _, list := range [][]expectations.Judged{v.Passed, v.ExpectedFailures, v.UnexpectedFailures, v.UnexpectedPasses, v.Observed} {
		for _, j := range list {
			out[j.Scenario] = append(out[j.Scenario], j.Observations...)
		}
	}
	return out
}

func differingObservations(scenario string, fake, real []expectations.Observation) []ObservedDifference {
	values := func(obs []expectations.Observation) map[string]string {
		m := map[string]string{}
		for _, o := range obs {
			m[o.Name] = o.Value
		}
		return m
	}
	f, r := values(fake), values(real)
	var names []string
	for n := range f {
		names = append(names, n)
	}
	for n := range r {
		if _, ok := f[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var out []ObservedDifference
	for _, n := range names {
		if f[n] != r[n] {
			out = append(out, ObservedDifference{Scenario: scenario, Name: n, Fake: orNone(f[n]), Real: orNone(r[n])})
		}
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "(not recorded)"
	}
	return s
}

// Markdown is the report as make differential writes it; its last line
// sums it up.
func (r Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Differential check: %s vs %s\n\n", r.FakeDir, r.RealDir)
	var one []string
	for name, rt := range r.OneRuntime {
		one = append(one, fmt.Sprintf("- %s: run on the %s runtime only\n", name, rt))
	}
	sort.Strings(one)
	b.WriteString(strings.Join(one, ""))
	if len(one) > 0 {
		b.WriteString("\n")
	}
	scenario := ""
	for i := 0; i < len(r.Differences); {
		d := r.Differences[i]
		// The same line seen n times more under one runtime is one item.
		n := 1
		for i+n < len(r.Differences) && r.Differences[i+n] == d {
			n++
		}
		i += n
		if d.Scenario != scenario {
			scenario = d.Scenario
			fmt.Fprintf(&b, "## %s\n\n", scenario)
		}
		status := "DIFFERENCE"
		if d.Accepted != "" {
			status = "accepted (" + d.Accepted + ")"
		}
		times := ""
		if n > 1 {
			times = fmt.Sprintf(" (%d times)", n)
		}
		fmt.Fprintf(&b, "- only on the %s runtime%s, %s: `%s`\n", d.Only, times, status, d.Line)
	}
	if len(r.Differences) > 0 {
		b.WriteString("\n")
	}
	if len(r.Observed) > 0 {
		b.WriteString("## Observed differently (recorded, not judged)\n\n")
		for _, o := range r.Observed {
			fmt.Fprintf(&b, "- %s, %q: fake runtime `%s`; real runtime `%s`\n", o.Scenario, o.Name, o.Fake, o.Real)
		}
		b.WriteString("\n")
	}
	if len(r.Stale) > 0 {
		b.WriteString("## Stale accepted differences (expectations/differential.yaml): remove or update them\n\n")
		for _, a := range r.Stale {
			fmt.Fprintf(&b, "- %s, only %s, pattern `%s`: covered no difference (reason given: %s)\n", a.Scenario, orEither(a.Only), a.Pattern, a.Reason)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "%d scenarios compared, %d unaccepted difference(s), %d accepted, %d stale accepted entr(ies), %d observation(s) that differ\n",
		len(r.Compared), r.Unaccepted(), len(r.Differences)-r.Unaccepted(), len(r.Stale), len(r.Observed))
	return b.String()
}

func orEither(only string) string {
	if only == "" {
		return "either"
	}
	return only
}

// WriteMarkdown writes the report to path.
func (r Report) WriteMarkdown(path string) error {
	return os.WriteFile(path, []byte(r.Markdown()), 0o644)
}
