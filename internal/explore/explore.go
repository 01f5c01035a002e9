package explore

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Config says how long to explore and from which seed.
type Config struct {
	Seed   uint64        // workload i has seed Seed+i
	N      int           // at most this many workloads (0: no limit)
	Budget time.Duration // and at most this long (0: no limit); a workload running then finishes
	// ShrinkRuns bounds the re-runs spent shrinking one violation.
	ShrinkRuns int
	// MaxFindings stops the exploration after this many new violations
	// (0: no limit).
	MaxFindings int
	// Replay is how to run one seed again, with %d for the seed, for the
	// printed scenario (e.g. "make explore SDK=node SEED=%d N=1").
	Replay string
	Out    io.Writer
}

// Summary is what an exploration did and found.
type Summary struct {
	Workloads, Steps, Requests, Checks int
	Known                              []Violation
	New                                []Finding
	// Kinds counts the steps run by kind, Conditions the token requests
	// by what the model expected of them: what the run covered.
	Kinds, Conditions map[string]int
	// Observed counts what the contract leaves open, as seen (Outcome.Observed).
	Observed map[string]int
}

// Finding is a new violation, shrunk, and the scenario that shows it.
type Finding struct {
	Seed      uint64
	Violation Violation
	Scenario  string
	Steps     int // steps of the shrunk workload up to the violation
}

// Explore runs workloads Seed, Seed+1, ... until N or the budget is
// spent, printing a line per workload, and shrinks and prints each new
// violation. A known one is printed and counted, not shrunk.
func (r *Runner) Explore(ctx context.Context, cfg Config) (Summary, error) {
	sum := Summary{Kinds: map[string]int{}, Conditions: map[string]int{}, Observed: map[string]int{}}
	start := time.Now()
	deadline := time.Time{}
	if cfg.Budget > 0 {
		deadline = start.Add(cfg.Budget)
	}
	if cfg.ShrinkRuns == 0 {
		cfg.ShrinkRuns = 40
	}
	fmt.Fprintf(cfg.Out, "explore: %s %s (generation %d), seed %d, %s\n", r.Hello.SDK, r.Hello.SDKVersion, r.Hello.Generation, cfg.Seed, limits(cfg))
	for i := 0; (cfg.N == 0 || i < cfg.N) && (deadline.IsZero() || time.Now().Before(deadline)); i++ {
		if ctx.Err() != nil {
			break
		}
		seed := cfg.Seed + uint64(i)
		w := Generate(seed, r.Hello)
		t0 := time.Now()
		out, err := r.Run(ctx, w)
		if err != nil {
			return sum, fmt.Errorf("workload %d (seed %d): %w", i+1, seed, err)
		}
		sum.Workloads++
		sum.Steps += out.Steps
		sum.Requests += out.Requests
		sum.Checks += out.Checks
		for _, s := range w.Steps[:out.Steps] {
			sum.Kinds[string(s.Kind)]++
		}
		for c, n := range out.Conditions {
			sum.Conditions[c] += n
		}
		for o, n := range out.Observed {
			sum.Observed[o] += n
		}
		status := "ok"
		for _, v := range out.Violations {
			if v.Known != "" {
				sum.Known = append(sum.Known, v)
				status = "known violation"
			}
		}
		nv := out.New()
		if nv != nil {
			status = "NEW VIOLATION"
		}
		fmt.Fprintf(cfg.Out, "explore: workload %d (seed %d): %d steps, %d token requests, %d checks, %s (%s)\n",
			i+1, seed, out.Steps, out.Requests, out.Checks, status, time.Since(t0).Round(time.Millisecond))
		printViolations(cfg.Out, out.Violations)
		if nv == nil {
			continue
		}
		// Shrinking gets its own time: at least a minute past the budget.
		shrinkDeadline := time.Now().Add(max(time.Minute, time.Until(deadline)))
		sw, sv, runs := Shrink(ctx, r.Run, w, *nv, cfg.ShrinkRuns, shrinkDeadline, func(runs int, w Workload, v Violation) {
			fmt.Fprintf(cfg.Out, "  shrinking: run %d: %d steps, %d token requests still break %s\n", runs, v.Step+1, w.Requests(), v.Rule)
		})
		f := Finding{Seed: seed, Violation: sv, Steps: sv.Step + 1,
			Scenario: Gherkin(sw, sv, fmt.Sprintf(cfg.Replay, seed))}
		sum.New = append(sum.New, f)
		fmt.Fprintf(cfg.Out, "  shrunk in %d runs to %d steps; the scenario (paste under the Rule: %s block):\n\n%s\n", runs, f.Steps, sv.Rule, f.Scenario)
		if cfg.MaxFindings > 0 && len(sum.New) >= cfg.MaxFindings {
			break
		}
	}
	fmt.Fprintf(cfg.Out, "explore: %s: %d workloads, %d steps, %d token requests, %d invariant checks, %d new violations, %d known (%s)\n",
		r.Hello.SDK, sum.Workloads, sum.Steps, sum.Requests, sum.Checks, len(sum.New), len(sum.Known), time.Since(start).Round(time.Second))
	fmt.Fprintf(cfg.Out, "explore: steps by kind: %s; token requests by condition: %s\n", counts(sum.Kinds), counts(sum.Conditions))
	fmt.Fprintf(cfg.Out, "explore: observed, not judged (the contract leaves it open): %s\n", counts(sum.Observed))
	return sum, nil
}

// counts renders a count per name, sorted by name.
func counts(m map[string]int) string {
	var names []string
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	var parts []string
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s %d", n, m[n]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func limits(cfg Config) string {
	switch {
	case cfg.N > 0 && cfg.Budget > 0:
		return fmt.Sprintf("at most %d workloads in %s", cfg.N, cfg.Budget)
	case cfg.N > 0:
		return fmt.Sprintf("%d workloads", cfg.N)
	case cfg.Budget > 0:
		return fmt.Sprintf("workloads for %s", cfg.Budget)
	}
	return "workloads until interrupted"
}

// printViolations prints a workload's violations, one line per rule and
// condition with how many times it showed and the first instance.
func printViolations(w io.Writer, vs []Violation) {
	count := map[[2]string]int{}
	var firsts []Violation
	for _, v := range vs {
		key := [2]string{v.Rule, v.Condition}
		if count[key] == 0 {
			firsts = append(firsts, v)
		}
		count[key]++
	}
	for _, v := range firsts {
		times := ""
		if n := count[[2]string{v.Rule, v.Condition}]; n > 1 {
			times = fmt.Sprintf(" (%d times; the first:)", n)
		}
		fmt.Fprintf(w, "  %s%s\n", oneLine(v.String(), 400), times)
	}
}
