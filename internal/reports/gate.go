package reports

import (
	"fmt"
	"io"
	"strings"

	"conformance/internal/results"
)

// Asked is what a CI asked to run, so that the gate can tell a
// configuration that left no record from one that was never asked for:
// one SDK on each of Runtimes × Transports. The zero Asked checks nothing
// beyond the records there are.
type Asked struct {
	SDK        string
	Runtimes   []string // fake, real
	Transports []string // tcp, stdio
}

// ParseAsked reads the gate's -sdk, -runtime and -transport flags (the
// comma-separated values RUNTIME and TRANSPORT take; empty: fake, tcp).
func ParseAsked(sdk, runtimes, transports string) Asked {
	if sdk == "" {
		return Asked{}
	}
	list := func(s, def string) []string {
		var out []string
		for _, x := range strings.Split(s, ",") {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
		if len(out) == 0 {
			out = []string{def}
		}
		return out
	}
	return Asked{SDK: sdk, Runtimes: list(runtimes, "fake"), Transports: list(transports, "tcp")}
}

// Gate writes one line per run and the unexpected results of each, and
// reports whether a CI may go green: every run judged OK, no build that
// did not run (not runnable here, or an error before or between its
// scenarios), and a record for every configuration asked for. There is no
// way to go green on a configuration that did not run. An improvement in
// a run that allowed them (IMPROVEMENTS=notice) is a notice (a GitHub
// annotation when the gate runs in Actions), not a failure.
func Gate(w io.Writer, runs []results.Run, asked Asked) bool {
	ok := true
	for _, r := range runs {
		switch {
		case r.NotRun != "":
			ok = false
			fmt.Fprintf(w, "%-8s %s: %s\n", "NOT RUN", r.Label, r.NotRun)
		case r.Error != nil:
			ok = false
			fmt.Fprintf(w, "%-8s %s: did not run: %s\n", "ERROR", r.Label, gist(r.Error.String()))
			fmt.Fprintf(w, "::error title=%s did not run::%s\n", r.Label, annotation(gist(r.Error.String())))
		case r.OK:
			fmt.Fprintf(w, "%-8s %s (%s %s): %s\n", "ok", r.Label, r.SDK, r.SDKVersion, r.Verdict.Summary())
			for _, k := range r.Verdict.Improvements {
				msg := fmt.Sprintf("%s: %q passes; expectations/%s.yaml lists it as a known failure in versions %s (%s). The change to make: %s",
					r.Label, k.Scenario, r.SDK, k.Versions.Written(), shortMessage(k.Reason), diffName(r))
				fmt.Fprintf(w, "         improvement: %s\n", msg)
				fmt.Fprintf(w, "::notice title=improvement: %s::%s\n", r.Label, annotation(msg))
			}
		default:
			ok = false
			fmt.Fprintf(w, "%-8s %s (%s %s): %s\n", "FAIL", r.Label, r.SDK, r.SDKVersion, r.Verdict.Summary())
			for _, j := range r.Verdict.UnexpectedFailures {
				fmt.Fprintf(w, "         unexpected failure: %s %s: %s\n", ruleTags(j.Tags), j.Scenario, shortMessage(j.Message))
			}
			for _, j := range r.Verdict.UnexpectedPasses {
				fmt.Fprintf(w, "         unexpected pass: %s (remove it from expectations/%s.yaml, or narrow its versions: %s)\n", j.Scenario, r.SDK, diffName(r))
			}
		}
	}
	for _, missing := range asked.missing(runs) {
		ok = false
		fmt.Fprintf(w, "%-8s %s: asked for, but no record (verdict.json): the run never started or its results were lost\n", "MISSING", missing)
	}
	return ok
}

// missing lists the asked configurations no record is of.
func (a Asked) missing(runs []results.Run) []string {
	var out []string
	for _, rt := range a.Runtimes {
		for _, tr := range a.Transports {
			found := false
			for _, r := range runs {
				if r.SDK == a.SDK && r.Runtime == rt && r.Transport == tr {
					found = true
				}
			}
			if !found {
				out = append(out, fmt.Sprintf("%s on the %s runtime over %s", a.SDK, rt, tr))
			}
		}
	}
	return out
}

func diffName(r results.Run) string {
	if r.ExpectationsDiff == "" {
		return "see the run's verdict.json"
	}
	return r.Label + "/" + r.ExpectationsDiff
}

// ruleTags are a scenario's rule tags (@BT-n), so that a failure names
// its rule.
func ruleTags(tags []string) string {
	var rules []string
	for _, t := range tags {
		if strings.HasPrefix(t, "@BT-") {
			rules = append(rules, strings.TrimPrefix(t, "@"))
		}
	}
	if len(rules) == 0 {
		return "(no rule)"
	}
	return strings.Join(rules, ",")
}

// gist is a long message's first line and, when it has more, its last
// non-blank one: a tool's failure says what ran first and what went wrong
// last (pip's "TOMLDecodeError: ...", a compiler's error).
func gist(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	first := shortMessage(lines[0])
	for i := len(lines) - 1; i > 0; i-- {
		if last := strings.TrimSpace(lines[i]); last != "" {
			return first + " … " + shortMessage(last)
		}
	}
	return first
}

// annotation makes a message one GitHub workflow-command line.
func annotation(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}
