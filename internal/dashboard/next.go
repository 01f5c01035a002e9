package dashboard

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"conformance/internal/expectations"
)

// NextColumns counts the columns of the next channel (the last ones).
func (p Parity) NextColumns() int {
	n := 0
	for _, c := range p.Columns {
		if c.Channel != "" {
			n++
		}
	}
	return n
}

// compareNext fills in, for each column of the next channel, the SDK's
// pinned column it is compared with and the scenarios whose outcome
// differs between the two: each next run against the pinned run of the
// same configuration (runtime, transport, runner), scenario by scenario,
// where both ran the scenario. An outcome is the scenario's status, not
// its judgement: a failure the expectations list for the pinned version
// and not for the next one is the same outcome, while a scenario that
// passes on one and fails on the other is a change either way.
func compareNext(cols []Column, members [][]LoadedRun) {
	pinned := map[string]int{}
	for i, c := range cols {
		if c.Channel != "" || c.Source {
			continue
		}
		for _, r := range members[i] {
			if r.RequestedVersion == "" && r.Source == "" {
				pinned[c.SDK] = i
				break
			}
		}
	}
	for i := range cols {
		if cols[i].Channel == "" {
			continue
		}
		p, ok := pinned[cols[i].SDK]
		if !ok {
			continue
		}
		cols[i].Against = cols[p].ID
		byConfig := map[string]LoadedRun{}
		for _, r := range members[p] {
			if r.DidNotRun() == "" {
				byConfig[configMark(r.Run)] = r
			}
		}
		for _, r := range members[i] {
			base, ok := byConfig[configMark(r.Run)]
			if !ok || r.DidNotRun() != "" {
				continue
			}
			cols[i].Changes = append(cols[i].Changes, changes(base, r)...)
		}
		sort.SliceStable(cols[i].Changes, func(a, b int) bool {
			x, y := cols[i].Changes[a], cols[i].Changes[b]
			if x.Feature != y.Feature {
				return x.Feature < y.Feature
			}
			if x.Scenario != y.Scenario {
				return x.Scenario < y.Scenario
			}
			return x.Config < y.Config
		})
	}
}

// changes are the scenarios both runs ran whose outcomes differ.
func changes(pinned, next LoadedRun) []Change {
	before := map[string]expectations.Judged{}
	for _, j := range judgedOf(pinned.Verdict) {
		before[j.Scenario] = j
	}
	var out []Change
	for _, j := range judgedOf(next.Verdict) {
		b, ok := before[j.Scenario]
		if !ok {
			continue
		}
		was, is := outcome(b), outcome(j)
		if was == is {
			continue
		}
		ch := Change{Scenario: j.Scenario, Feature: j.Feature, Rules: rulesOf(j.Tags), Config: configMark(next.Run), Pinned: was, Next: is}
		if j.Status == expectations.Failed {
			ch.Message = j.Message
		}
		out = append(out, ch)
	}
	return out
}

// outcome is a scenario's status, with its observed values when it
// recorded some, ids and numbers masked (masked): a session id, a port
// or a round trip's milliseconds differ from run to run, an SDK's answer
// does not.
func outcome(j expectations.Judged) string {
	s := string(j.Status)
	if len(j.Observations) > 0 {
		var vals []string
		for _, o := range j.Observations {
			vals = append(vals, o.Name+"="+masked(o.Value))
		}
		s += " (" + strings.Join(vals, ", ") + ")"
	}
	return s
}

var (
	uuidPattern   = regexp.MustCompile(`(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	numberPattern = regexp.MustCompile(`\d+(\.\d+)?`)
)

// masked is an observed value with its UUIDs and numbers replaced.
func masked(v string) string {
	return numberPattern.ReplaceAllString(uuidPattern.ReplaceAllString(v, "<id>"), "<n>")
}

func rulesOf(tags []string) []string {
	var ids []string
	for _, t := range tags {
		if id := strings.TrimPrefix(t, "@"); strings.HasPrefix(id, "BT-") {
			ids = append(ids, id)
		}
	}
	return ids
}

// nextBudget bounds the comment's next-channel lines.
const nextBudget = 6000

// commentNext is the comment's lines on the next channel: per next
// column, what changed against the pinned build, a few scenarios named.
func (p Parity) commentNext() string {
	if p.NextColumns() == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n**Next channel** (the newest version each registry serves, against the pinned build):\n")
	for _, c := range p.Columns {
		if c.Channel == "" {
			continue
		}
		var line string
		switch {
		case c.NotRun != "":
			line = "not run: " + c.NotRun
		case c.Against == "":
			line = "no pinned run to compare with"
		case len(c.Changes) == 0:
			line = "no change against the pinned build"
		default:
			var names []string
			for _, ch := range c.Changes {
				names = append(names, fmt.Sprintf("%s (%s: %s → %s)", ch.Scenario, ch.Config, ch.Pinned, ch.Next))
			}
			line = fmt.Sprintf("%d changed: %s", len(c.Changes), strings.Join(names, "; "))
		}
		fmt.Fprintf(&b, "- %s: %s\n", mdCell(c.Title()), clip(mdCell(line), 1000))
		if b.Len() > nextBudget {
			b.WriteString("- … more in the dashboard\n")
			break
		}
	}
	return b.String()
}
