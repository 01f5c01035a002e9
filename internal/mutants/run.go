package mutants

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"conformance/internal/expectations"
	"conformance/internal/sdk"
	"conformance/internal/suite"
)

// Options says which SDK's mutants to run and where.
type Options struct {
	SDK  string
	Root string // the suite's checkout
	// Work is where the copy of the SDK and each run's reports go
	// (default Root/.cache/mutants/<sdk> and Root/results/mutants/<sdk>).
	Work, Results string
	// Part and Parts run every Parts-th mutant from the Part-th (0-based),
	// for a set too slow to run whole on every CI run; Parts 0 or 1 runs
	// them all.
	Part, Parts int
	// Progress gets one line per run; Log gets the runs' own output
	// (installs, builds, godog's progress).
	Progress, Log io.Writer
	Source        string // see SourceOptions
	// Version, when set, is the release asked for (SDK=<sdk>@<version>):
	// it must be the one the set's edits are written against.
	Version string
}

// Outcome is what one mutant's run showed.
type Outcome struct {
	Name     string   `json:"name"`
	Rule     string   `json:"rule"`
	CaughtBy []string `json:"caughtBy,omitempty"` // the scenarios of the rule that failed on the mutant, not on the copy
	Skipped  bool     `json:"skipped,omitempty"`  // not in this run's part
	Error    string   `json:"error,omitempty"`    // the mutant could not be applied or run
	Seconds  float64  `json:"seconds,omitempty"`
}

// Caught says whether a scenario of the mutant's rule failed on it.
func (o Outcome) Caught() bool { return len(o.CaughtBy) > 0 }

// Score is the result of one SDK's mutant set: results/mutants/<sdk>.json.
type Score struct {
	SDK        string    `json:"sdk"`
	Version    string    `json:"version"` // the release the mutants are copies of
	Part       string    `json:"part,omitempty"`
	Pristine   string    `json:"pristine"` // the unpatched copy's verdict summary
	PristineOK bool      `json:"pristineOK"`
	Caught     int       `json:"caught"`
	Total      int       `json:"total"` // mutants run (skipped ones not counted)
	Mutants    []Outcome `json:"mutants"`
	Seconds    float64   `json:"seconds"`
	FinishedAt string    `json:"finishedAt"`
}

// OK says the unpatched copy passed and every mutant run was caught.
func (s Score) OK() bool { return s.PristineOK && s.Caught == s.Total }

// Run copies the SDK's pinned release, runs the features of every rule the
// set covers on the unpatched copy, which must pass, then each mutant with
// its rule's scenarios only (fake runtime, TCP). The error is for a check
// that could not happen; a check that happened returns its Score.
func Run(ctx context.Context, o Options) (*Score, error) {
	start := time.Now()
	set, err := Load(filepath.Join(o.Root, "mutants"), o.SDK)
	if err != nil {
		return nil, err
	}
	if err := set.isFor(o.Version); err != nil {
		return nil, err
	}
	exp, err := expectations.Load(filepath.Join(o.Root, "expectations"), o.SDK)
	if err != nil {
		return nil, err
	}
	if o.Work == "" {
		o.Work = filepath.Join(o.Root, ".cache", "mutants", o.SDK)
	}
	if o.Results == "" {
		o.Results = filepath.Join(o.Root, "results", "mutants", o.SDK)
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if err := os.RemoveAll(o.Results); err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Progress, "%s: copying the pinned SDK (%s)\n", o.SDK, set.Version)
	source, err := Source(ctx, o.SDK, set.Version, SourceOptions{Root: o.Root, Dir: o.Work, Log: o.Log, Source: o.Source})
	if err != nil {
		return nil, err
	}
	s, err := sdk.Lookup(o.SDK)
	if err != nil {
		return nil, err
	}
	// Each mutant rebuilds the copied SDK: what makes that cheaper (Rust:
	// incremental compilation) reaches the builds internal/sdk starts
	// through the environment.
	for k, v := range s.MutantEnv {
		if err := os.Setenv(k, v); err != nil {
			return nil, err
		}
	}
	score := &Score{SDK: o.SDK, Version: set.Version}
	run := func(dir, tags string) (*suite.Report, error) {
		return suite.Run(ctx, suite.Config{
			SDK: o.SDK, Source: source, StatedVersion: set.Version, Root: o.Root, Tags: tags,
			Runtime: suite.RuntimeFake, Transport: "tcp", Runner: "local",
			ResultsDir: filepath.Join(o.Results, dir), Output: o.Log,
		})
	}

	rules := strings.Join(set.Rules(), ",")
	t := time.Now()
	pristine, err := run("unpatched", rules)
	if err != nil {
		return nil, fmt.Errorf("%s: the unpatched copy: %w", o.SDK, err)
	}
	results := resultsOf(pristine.Verdict)
	verdict := exp.For(set.Version, true).Verdict(results)
	score.Pristine, score.PristineOK = verdict.Summary(), verdict.OK()
	failedBefore := failed(results)
	fmt.Fprintf(o.Progress, "%s: the unpatched copy, %s: %s (%.0f s)\n", o.SDK, rules, verdict.Summary(), time.Since(t).Seconds())
	for _, j := range append(verdict.UnexpectedFailures, verdict.UnexpectedPasses...) {
		fmt.Fprintf(o.Progress, "  unexpected: %s (%s): %s\n", j.Scenario, j.Status, firstLine(j.Message))
	}

	if o.Parts > 1 {
		var ran, skipped []string
		for i, m := range set.Mutants {
			if i%o.Parts == o.Part {
				ran = append(ran, m.Name)
			} else {
				skipped = append(skipped, m.Name)
			}
		}
		score.Part = fmt.Sprintf("%d of %d", o.Part+1, o.Parts)
		fmt.Fprintf(o.Progress, "%s: part %s of the mutants runs: %s\n", o.SDK, score.Part, strings.Join(ran, "; "))
		fmt.Fprintf(o.Progress, "%s: not run this time (other parts): %s\n", o.SDK, strings.Join(skipped, "; "))
	}
	for i, m := range set.Mutants {
		if o.Parts > 1 && i%o.Parts != o.Part {
			score.Mutants = append(score.Mutants, Outcome{Name: m.Name, Rule: m.Rule, Skipped: true})
			continue
		}
		out := runMutant(m, source, failedBefore, func(tags string) (*suite.Report, error) {
			return run(fmt.Sprintf("%02d-%s", i+1, slug(m.Name)), tags)
		})
		score.Total++
		if out.Caught() {
			score.Caught++
		}
		score.Mutants = append(score.Mutants, out)
		fmt.Fprintf(o.Progress, "%s: %-55s %-6s %s (%.0f s)\n", o.SDK, m.Name, m.Rule, out.verdict(), out.Seconds)
	}
	score.Seconds = time.Since(start).Seconds()
	score.FinishedAt = time.Now().UTC().Format(time.RFC3339)
	return score, nil
}

func runMutant(m Mutant, source string, failedBefore map[string]bool, run func(tags string) (*suite.Report, error)) (out Outcome) {
	out = Outcome{Name: m.Name, Rule: m.Rule}
	t := time.Now()
	defer func() { out.Seconds = time.Since(t).Seconds() }()
	restore, err := Apply(source, m)
	if err != nil {
		out.Error = err.Error()
		return out
	}
	report, err := run(m.Rule)
	if rerr := restore(); rerr != nil {
		// The next mutant would run on a broken copy.
		err = errors.Join(err, fmt.Errorf("restoring the copy: %w", rerr))
	}
	if err != nil {
		out.Error = err.Error()
		return out
	}
	for name := range failed(resultsOf(report.Verdict)) {
		if !failedBefore[name] {
			out.CaughtBy = append(out.CaughtBy, name)
		}
	}
	sort.Strings(out.CaughtBy)
	return out
}

func (o Outcome) verdict() string {
	switch {
	case o.Skipped:
		return "not run (another part)"
	case o.Error != "":
		return "ERROR: " + firstLine(o.Error)
	case o.Caught():
		return "caught by: " + strings.Join(o.CaughtBy, "; ")
	}
	return "SURVIVED: no scenario of its rule failed"
}

// resultsOf lists every scenario result of a verdict.
func resultsOf(v expectations.Verdict) []expectations.Result {
	var rs []expectations.Result
	for _, group := range [][]expectations.Judged{v.Passed, v.ExpectedFailures, v.UnexpectedFailures, v.UnexpectedPasses, v.NotApplicable, v.Observed} {
		for _, j := range group {
			rs = append(rs, j.Result)
		}
	}
	return rs
}

// failed names the scenarios that failed.
func failed(rs []expectations.Result) map[string]bool {
	names := map[string]bool{}
	for _, r := range rs {
		if r.Status == expectations.Failed {
			names[r.Scenario] = true
		}
	}
	return names
}

// Print writes the score table.
func (s Score) Print(w io.Writer) {
	fmt.Fprintf(w, "\nmutants of %s %s", s.SDK, s.Version)
	if s.Part != "" {
		fmt.Fprintf(w, " (part %s)", s.Part)
	}
	fmt.Fprintf(w, "\n  unpatched copy: %s", s.Pristine)
	if !s.PristineOK {
		fmt.Fprint(w, "  FAILED: the unpatched copy must pass")
	}
	fmt.Fprintf(w, "\n  %-55s %-6s %s\n", "mutant", "rule", "result")
	for _, m := range s.Mutants {
		fmt.Fprintf(w, "  %-55s %-6s %s\n", m.Name, m.Rule, m.verdict())
	}
	fmt.Fprintf(w, "  score: %d/%d (%.0f s)\n", s.Caught, s.Total, s.Seconds)
}

// Write saves the score as dir/<sdk>.json.
func (s Score) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, s.SDK+".json"), append(b, '\n'), 0o644)
}

var nonWord = regexp.MustCompile(`[^a-z0-9]+`)

func slug(name string) string {
	return strings.Trim(nonWord.ReplaceAllString(strings.ToLower(name), "-"), "-")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// Check copies the SDK's pinned release and applies each mutant's edits
// to it and undoes them, without running anything: a quick way to see
// that a table still fits its SDK (make mutants-check).
func Check(ctx context.Context, o Options) error {
	set, err := Load(filepath.Join(o.Root, "mutants"), o.SDK)
	if err != nil {
		return err
	}
	if err := set.isFor(o.Version); err != nil {
		return err
	}
	if o.Work == "" {
		// Not Run's folder: a check may run while a Run uses its copy.
		o.Work = filepath.Join(o.Root, ".cache", "mutants", o.SDK+"-check")
	}
	source, err := Source(ctx, o.SDK, set.Version, SourceOptions{Root: o.Root, Dir: o.Work, Log: o.Log, Source: o.Source})
	if err != nil {
		return err
	}
	defer os.RemoveAll(o.Work)
	var errs []error
	for _, m := range set.Mutants {
		restore, err := Apply(source, m)
		if err == nil {
			err = restore()
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
