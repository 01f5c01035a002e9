package explore

import (
	"fmt"
	"sort"
	"strings"
)

// Gherkin prints a workload and the violation it shows as a scenario in
// the step phrases of steps/*.go, to paste under the rule's Rule: block of
// its feature (whose Background starts the runtime and connects the SDK).
// The When steps are the workload's up to the violating step, the Then
// steps the checks that fail on it. cmd is how to replay the seed.
func Gherkin(w Workload, v Violation, cmd string) string {
	var b strings.Builder
	tags := []string{"@" + v.Rule, "@fake-only"}
	needs := map[string]bool{}
	for _, s := range w.Steps[:min(v.Step+1, len(w.Steps))] {
		switch s.Kind {
		case Resume:
			needs["@needs-resume"] = true
		case Disconnect:
			needs["@needs-disconnectSession"] = true
		}
		for _, p := range s.providers() {
			if p.Callback != nil && p.Callback.Style != "" {
				needs["@needs-"+p.Callback.Style+"Callback"] = true
			}
			if p.Name != "" {
				needs["@needs-providers"] = false // every driver has them
			}
		}
	}
	for t, on := range needs {
		if on {
			tags = append(tags, t)
		}
	}
	if v.Rule == "BT-7" {
		tags = append(tags, "@gen2")
	}
	sort.Strings(tags[2:])
	fmt.Fprintf(&b, "  # Found by the contract explorer: %s\n", cmd)
	fmt.Fprintf(&b, "  # %s\n", oneLine(v.Message, 300))
	for _, s := range w.Steps[:min(v.Step+1, len(w.Steps))] {
		if s.Kind == Burst && len(burstRefs(s)) > 1 {
			b.WriteString("  # The explorer sent the requests of several sessions at once; no step sends\n" +
				"  # those of more than one session at once, so they are sent session by session here.\n")
			break
		}
	}
	fmt.Fprintf(&b, "  %s\n", strings.Join(tags, " "))
	fmt.Fprintf(&b, "  Scenario: %s %s (explorer seed %d)\n", v.Rule, v.Condition, w.Seed)
	first := true
	kw := func() string {
		if first {
			first = false
			return "When"
		}
		return "And"
	}
	for _, s := range w.Steps[:min(v.Step+1, len(w.Steps))] {
		for _, line := range stepLines(s) {
			if strings.HasPrefix(line, "  |") {
				fmt.Fprintf(&b, "    %s\n", line)
				continue
			}
			fmt.Fprintf(&b, "    %s %s\n", kw(), line)
		}
	}
	if len(v.Then) == 0 {
		b.WriteString("    # No step of steps/ states this check today: the explorer's message above says what broke.\n")
	}
	seen := map[string]bool{}
	then := "Then"
	for _, t := range v.Then {
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		fmt.Fprintf(&b, "    %s %s\n", then, t)
		then = "And"
	}
	return b.String()
}

func oneLine(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

func burstRefs(s Step) []string {
	var refs []string
	seen := map[string]bool{}
	for _, t := range s.Targets {
		if !seen[t.Ref] {
			seen[t.Ref] = true
			refs = append(refs, t.Ref)
		}
	}
	return refs
}

// stepLines is one workload step in the features' phrases: step texts,
// and table rows (starting "  |") that belong to the step before.
func stepLines(s Step) []string {
	switch s.Kind {
	case Create, Resume:
		return openLines(s)
	case Disconnect:
		return []string{fmt.Sprintf("session %q is disconnected", s.Ref)}
	case Ask:
		times := "times"
		if s.Count == 1 {
			times = "time"
		}
		return []string{fmt.Sprintf("the runtime asks session %q for a token for provider %q %d %s in a row", s.Ref, s.Provider, s.Count, times)}
	case AskUnknown:
		return []string{fmt.Sprintf("the runtime asks for a token for provider %q in a session it does not know, %q", s.Provider, s.Ref)}
	case Burst:
		var lines []string
		for _, ref := range burstRefs(s) {
			var names []string
			for _, t := range s.Targets {
				if t.Ref == ref {
					names = append(names, fmt.Sprintf("%q", t.Provider))
				}
			}
			lines = append(lines, fmt.Sprintf("the runtime asks session %q for %d tokens for each of the providers %s, all at once", ref, s.Count, strings.Join(names, ", ")))
		}
		return lines
	}
	return nil
}

func openLines(s Step) []string {
	if s.Kind == Resume {
		if s.Singular != nil {
			return []string{fmt.Sprintf("session %q is resumed as %q with a singular provider whose callback returns %s", s.From, s.Ref, quote(s.Singular.Callback.Responses[0].Token))}
		}
		return append([]string{fmt.Sprintf("session %q is resumed as %q with model %q and these providers:", s.From, s.Ref, s.model())}, namedTable(s.Named)...)
	}
	if s.Singular == nil {
		return append([]string{fmt.Sprintf("session %q is created with model %q and these providers:", s.Ref, s.model())}, namedTable(s.Named)...)
	}
	p := *s.Singular
	switch {
	case p.Callback == nil && p.APIKey != "" && p.BearerToken == "":
		return []string{fmt.Sprintf("session %q is created with a singular provider with the API key %s and no callback", s.Ref, quote(p.APIKey))}
	case p.Callback == nil || p.APIKey != "" || p.BearerToken != "":
		lines := []string{fmt.Sprintf("session %q is created with this singular provider:", s.Ref)}
		if p.Callback != nil {
			lines = append(lines, row("callback returns", tokenList(p.Callback)))
			if d := p.Callback.Responses[0].DelayMs; d > 0 {
				lines = append(lines, row("callback delay ms", fmt.Sprint(d)))
			}
		}
		if p.APIKey != "" {
			lines = append(lines, row("apiKey", p.APIKey))
		}
		if p.BearerToken != "" {
			lines = append(lines, row("bearerToken", p.BearerToken))
		}
		return lines
	}
	kind := ""
	if p.Callback.Style != "" {
		kind = p.Callback.Style + " "
	}
	lines := []string{fmt.Sprintf("session %q is created with a singular provider whose %scallback does:", s.Ref, kind), row("invocation", "does")}
	for i, r := range p.Callback.Responses {
		n := fmt.Sprint(i + 1)
		if i == len(p.Callback.Responses)-1 {
			n += "+"
		}
		does := "returns " + quote(r.Token)
		if r.Fail {
			does = "fails with " + quote(FailMessage)
		}
		if r.DelayMs > 0 {
			does += fmt.Sprintf(" after %d ms", r.DelayMs)
		}
		lines = append(lines, row(n, does))
	}
	return lines
}

// namedTable is the providers table of the named-provider steps: only the
// columns some provider uses.
func namedTable(ps []Provider) []string {
	cols := []string{"name"}
	has := func(f func(Provider) bool) bool {
		for _, p := range ps {
			if f(p) {
				return true
			}
		}
		return false
	}
	if has(func(p Provider) bool { return p.Callback != nil }) {
		cols = append(cols, "callback returns")
	}
	if has(func(p Provider) bool { return p.Callback != nil && p.Callback.Responses[0].DelayMs > 0 }) {
		cols = append(cols, "callback delay ms")
	}
	if has(func(p Provider) bool { return p.APIKey != "" }) {
		cols = append(cols, "apiKey")
	}
	if has(func(p Provider) bool { return p.BearerToken != "" }) {
		cols = append(cols, "bearerToken")
	}
	lines := []string{row(cols...)}
	for _, p := range ps {
		var cells []string
		for _, c := range cols {
			switch c {
			case "name":
				cells = append(cells, p.Name)
			case "callback returns":
				cells = append(cells, tokenList(p.Callback))
			case "callback delay ms":
				d := ""
				if p.Callback != nil && p.Callback.Responses[0].DelayMs > 0 {
					d = fmt.Sprint(p.Callback.Responses[0].DelayMs)
				}
				cells = append(cells, d)
			case "apiKey":
				cells = append(cells, p.APIKey)
			case "bearerToken":
				cells = append(cells, p.BearerToken)
			}
		}
		lines = append(lines, row(cells...))
	}
	return lines
}

// tokenList is a callback's tokens as the tables state them: "a, b".
func tokenList(cb *Callback) string {
	if cb == nil {
		return ""
	}
	var toks []string
	for _, r := range cb.Responses {
		toks = append(toks, r.Token)
	}
	return strings.Join(toks, ", ")
}

// row is a Gherkin table row. The generator's alphabets leave out '|' and
// '\', so no cell needs escaping.
func row(cells ...string) string { return "  | " + strings.Join(cells, " | ") + " |" }

// quote puts a token in double quotes: the alphabets leave out '"' and
// '\', so it needs no escaping either.
func quote(s string) string { return `"` + s + `"` }
