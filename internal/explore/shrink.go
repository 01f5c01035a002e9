package explore

import (
	"context"
	"strings"
	"time"
)

// Shrink looks for a smaller workload that still shows a new violation of
// the same rule (under the same condition or another: a burst's break
// that one request alone shows is the smaller scenario): it tries, in turn, dropping the
// steps after the violation, dropping single steps, fewer requests per
// step, fewer providers, fewer responses (failures) per callback, shorter
// delays and shorter tokens, keeping each change that still fails, until
// no change does or it has run the workload maxRuns times or past the
// deadline. run runs one candidate (a fresh driver each time).
func Shrink(ctx context.Context, run func(context.Context, Workload) (Outcome, error), w Workload, v Violation,
	maxRuns int, deadline time.Time, progress func(runs int, w Workload, v Violation)) (Workload, Violation, int) {
	runs := 0
	fails := func(c Workload) (Violation, bool) {
		if !c.valid() || c.Size() >= w.Size() || runs >= maxRuns || time.Now().After(deadline) || ctx.Err() != nil {
			return Violation{}, false
		}
		runs++
		out, err := run(ctx, c)
		if err != nil {
			return Violation{}, false
		}
		nv := out.New()
		if nv == nil || nv.Rule != v.Rule {
			return Violation{}, false
		}
		return *nv, true
	}
	// Structure first (steps, requests, providers), then values (tokens,
	// delays, failures), then structure again: a value cut that passes
	// early would otherwise send every later pass back through the
	// structural edits that keep failing.
	for _, values := range []bool{false, true, false} {
		for progressed := true; progressed; {
			progressed = false
			for _, c := range candidates(w, v, values) {
				if nv, ok := fails(c); ok {
					w, v, progressed = c, nv, true
					if progress != nil {
						progress(runs, w, v)
					}
					break
				}
				if runs >= maxRuns || time.Now().After(deadline) {
					return w, v, runs
				}
			}
		}
	}
	return w, v, runs
}

// candidates are the one-change smaller versions of w, biggest cuts
// first: changes to its structure, or (values) to its callbacks'
// responses.
func candidates(w Workload, v Violation, values bool) []Workload {
	var out []Workload
	structural := true
	edit := func(f func(*Workload) bool) {
		if structural == values {
			return
		}
		c := w.clone()
		if f(&c) {
			out = append(out, c)
		}
	}
	edit(func(c *Workload) bool {
		if v.Step+1 >= len(c.Steps) {
			return false
		}
		c.Steps = c.Steps[:v.Step+1]
		return true
	})
	for i := len(w.Steps) - 1; i >= 0; i-- {
		edit(func(c *Workload) bool {
			c.Steps = append(c.Steps[:i], c.Steps[i+1:]...)
			return true
		})
	}
	for i := 0; i+1 < len(w.Steps); i++ {
		a, b := w.Steps[i], w.Steps[i+1]
		if a.Kind == Ask && b.Kind == Ask && a.Ref == b.Ref && a.Provider == b.Provider {
			edit(func(c *Workload) bool { // one step asking as many times
				c.Steps[i].Count += b.Count
				c.Steps = append(c.Steps[:i+1], c.Steps[i+2:]...)
				return true
			})
		}
	}
	for i, s := range w.Steps {
		switch s.Kind {
		case Ask, Burst:
			if s.Count > 1 {
				edit(func(c *Workload) bool { c.Steps[i].Count = 1; return true })
				edit(func(c *Workload) bool { c.Steps[i].Count--; return true })
			}
		}
		if s.Kind == Burst {
			// Sent one after the other, or fewer of them.
			edit(func(c *Workload) bool {
				var asks []Step
				for _, t := range s.Targets {
					asks = append(asks, Step{Kind: Ask, Ref: t.Ref, Provider: t.Provider, Count: s.Count})
				}
				c.Steps = append(c.Steps[:i], append(asks, c.Steps[i+1:]...)...)
				return true
			})
			for j := range s.Targets {
				edit(func(c *Workload) bool {
					if len(s.Targets) < 2 {
						return false
					}
					c.Steps[i].Targets = append(c.Steps[i].Targets[:j], c.Steps[i].Targets[j+1:]...)
					return true
				})
			}
		}
		if s.Kind != Create && s.Kind != Resume {
			continue
		}
		for j := range s.Named {
			edit(func(c *Workload) bool {
				if len(s.Named) < 2 {
					return false
				}
				name := s.Named[j].Name
				c.Steps[i].Named = append(c.Steps[i].Named[:j], c.Steps[i].Named[j+1:]...)
				// Requests for it go too.
				for k := range c.Steps {
					st := &c.Steps[k]
					var keep []Target
					for _, t := range st.Targets {
						if t.Ref != s.Ref || t.Provider != name {
							keep = append(keep, t)
						}
					}
					st.Targets = keep
				}
				return true
			})
		}
		for j, p := range s.providers() {
			at := func(c *Workload) *Provider {
				if c.Steps[i].Singular != nil {
					return c.Steps[i].Singular
				}
				return &c.Steps[i].Named[j]
			}
			if p.APIKey != "" || p.BearerToken != "" {
				edit(func(c *Workload) bool {
					q := at(c)
					if q.Callback == nil {
						return false
					}
					q.APIKey, q.BearerToken = "", ""
					return true
				})
			}
			if p.Callback == nil {
				continue
			}
			structural = false
			for r := range p.Callback.Responses {
				edit(func(c *Workload) bool {
					cb := at(c).Callback
					if len(cb.Responses) < 2 {
						return false
					}
					cb.Responses = append(cb.Responses[:r], cb.Responses[r+1:]...)
					return true
				})
			}
			for _, div := range []int{0, 4} { // no delay, or a quarter of it
				edit(func(c *Workload) bool {
					cb, changed := at(c).Callback, false
					for r := range cb.Responses {
						if d := cb.Responses[r].DelayMs; d > 0 {
							cb.Responses[r].DelayMs = 0
							if div > 0 {
								cb.Responses[r].DelayMs = d / div
							}
							changed = true
						}
					}
					return changed
				})
			}
			for _, keep := range []float64{0.5, 0.75} {
				edit(func(c *Workload) bool {
					cb, changed := at(c).Callback, false
					for r := range cb.Responses {
						if t := cb.Responses[r].Token; len(t) > 8 {
							cb.Responses[r].Token = cut(t, keep)
							changed = true
						}
					}
					return changed
				})
			}
			if p.Callback.Style != "" {
				edit(func(c *Workload) bool { at(c).Callback.Style = ""; return true })
			}
			structural = true
		}
	}
	return out
}

// cut shortens a token to the fraction keep of its length, keeping a
// "-{n}" suffix and whole UTF-8 characters.
func cut(t string, keep float64) string {
	suffix := ""
	if strings.HasSuffix(t, "-{n}") {
		t, suffix = strings.TrimSuffix(t, "-{n}"), "-{n}"
	}
	cut := int(float64(len(t)) * keep)
	for cut > 0 && cut < len(t) && t[cut]&0xC0 == 0x80 {
		cut--
	}
	return t[:max(cut, 1)] + suffix
}
