package explore

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"conformance/internal/driver"
)

// Generate makes the workload of seed for a driver that declared hello: it
// uses resume and disconnectSession only where the driver declares them,
// sync and async callback styles likewise, and nothing the features' step
// phrases cannot state (see gherkin.go), so that a shrunk workload prints
// as a scenario that runs. The same seed and declaration give the same
// workload.
func Generate(seed uint64, hello driver.Hello) Workload {
	g := &generator{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), hello: hello}
	return g.workload(seed)
}

type generator struct {
	rng   *rand.Rand
	hello driver.Hello

	refs     []string        // sessions in order of creation
	live     map[string]bool // refs whose session is connected
	provs    map[string][]Provider
	unknowns int
}

func (g *generator) workload(seed uint64) Workload {
	g.live, g.provs = map[string]bool{}, map[string][]Provider{}
	w := Workload{Seed: seed}
	n := 3 + g.rng.IntN(10)
	w.Steps = append(w.Steps, g.create())
	for len(w.Steps) < n {
		if s, ok := g.step(); ok {
			w.Steps = append(w.Steps, s)
		}
	}
	return w
}

// step picks one step at random among those that apply now.
func (g *generator) step() (Step, bool) {
	live := g.liveRefs()
	switch k := g.rng.IntN(100); {
	case k < 15:
		if len(g.refs) >= 8 {
			return Step{}, false
		}
		return g.create(), true
	case k < 22:
		if !g.hello.Has("resume") || len(live) == 0 {
			return Step{}, false
		}
		from := pick(g.rng, live)
		s := g.session(g.nextRef(), true)
		s.Kind, s.From = Resume, from
		g.live[from] = false
		g.add(s)
		return s, true
	case k < 30:
		if !g.hello.Has("disconnectSession") || len(live) == 0 {
			return Step{}, false
		}
		ref := pick(g.rng, live)
		g.live[ref] = false
		return Step{Kind: Disconnect, Ref: ref}, true
	case k < 34:
		g.unknowns++
		return Step{Kind: AskUnknown, Ref: fmt.Sprintf("no-such-session-%d", g.unknowns), Provider: g.someName()}, true
	case k < 75:
		ref := pick(g.rng, g.refs)
		return Step{Kind: Ask, Ref: ref, Provider: g.providerToAsk(ref), Count: 1 + g.rng.IntN(4)}, true
	default:
		if len(live) == 0 {
			return Step{}, false
		}
		// Requests for several providers, of one session or (sometimes)
		// of several sessions, all at once.
		s := Step{Kind: Burst, Count: 1 + g.rng.IntN(4)}
		refs := []string{pick(g.rng, live)}
		if g.rng.IntN(3) == 0 && len(live) > 1 {
			refs = live
		}
		for _, ref := range refs {
			for _, p := range g.provs[ref] {
				if p.Callback != nil && p.Callback.maxDelay() < 2000 && g.rng.IntN(3) > 0 {
					s.Targets = append(s.Targets, Target{Ref: ref, Provider: p.wireName()})
				}
			}
		}
		if len(s.Targets) == 0 {
			return Step{}, false
		}
		return s, true
	}
}

func (g *generator) liveRefs() []string {
	var out []string
	for _, r := range g.refs {
		if g.live[r] {
			out = append(out, r)
		}
	}
	return out
}

func (g *generator) nextRef() string { return string(rune('A' + len(g.refs))) }

func (g *generator) create() Step {
	s := g.session(g.nextRef(), false)
	g.add(s)
	return s
}

func (g *generator) add(s Step) {
	g.refs = append(g.refs, s.Ref)
	g.live[s.Ref] = true
	g.provs[s.Ref] = s.providers()
}

// session makes a Create step: a singular provider, or (with the providers
// capability) one to four named ones, each with a callback or a static
// credential or both.
func (g *generator) session(ref string, resume bool) Step {
	s := Step{Kind: Create, Ref: ref}
	if !g.hello.Has("providers") || g.rng.IntN(2) == 0 {
		p := g.provider("", !resume)
		if resume { // the resume step states a singular callback that returns one token
			p = Provider{Callback: &Callback{Responses: []Response{{Token: g.token(false)}}}}
		}
		s.Singular = &p
		return s
	}
	names := []string{"red", "green", "blue", "p1"}
	g.rng.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	for _, name := range names[:1+g.rng.IntN(len(names))] {
		s.Named = append(s.Named, g.provider(name, false))
	}
	return s
}

// provider makes one provider. A scripted callback (failures, a delay per
// invocation, a style) is stated only for a singular provider without a
// static credential; the others' callbacks return tokens after one delay.
func (g *generator) provider(name string, scriptable bool) Provider {
	p := Provider{Name: name}
	hasCallback := g.rng.IntN(5) > 0
	if !hasCallback || g.rng.IntN(4) == 0 {
		if g.rng.IntN(2) == 0 {
			p.APIKey = "key-" + g.alnum(8)
		} else {
			p.BearerToken = "static-" + g.alnum(8)
		}
	}
	if !hasCallback {
		return p
	}
	cb := &Callback{}
	if scriptable && p.APIKey == "" && p.BearerToken == "" && g.rng.IntN(2) == 0 {
		// Fails k times in a row, then returns tokens, each after its own delay.
		for range g.rng.IntN(7) {
			cb.Responses = append(cb.Responses, Response{Fail: true, DelayMs: g.delay(false)})
		}
		// The first token may take seconds, as a credential chain's first
		// call does while it probes; the later ones do not, so that one
		// workload spends seconds waiting a few times, not on every request.
		first := Response{Token: g.token(true), DelayMs: g.delay(true)}
		cb.Responses = append(cb.Responses, first)
		if first.DelayMs >= 1000 || g.rng.IntN(2) == 0 {
			cb.Responses = append(cb.Responses, Response{Token: g.token(true), DelayMs: g.delay(false)})
		}
		if g.rng.IntN(4) == 0 {
			cb.Responses = append(cb.Responses, Response{Fail: true, DelayMs: g.delay(false)})
		}
		g.style(cb)
	} else {
		// Tokens that a table cell lists as "a, b": two only while the
		// cell's line stays under Gherkin's line limit (maxToken).
		delay, n := g.delay(false), 1+g.rng.IntN(2)
		for i := range n {
			t := g.token(true)
			if i > 0 && len(t)+len(cb.Responses[0].Token) > maxToken {
				break
			}
			cb.Responses = append(cb.Responses, Response{Token: t, DelayMs: delay})
		}
	}
	p.Callback = cb
	return p
}

// style makes a scripted callback sync or async where the driver declares
// them (a sync callback only without delays: PROTOCOL.md).
func (g *generator) style(cb *Callback) {
	var styles []string
	if g.hello.Has("asyncCallback") {
		styles = append(styles, "async")
	}
	if g.hello.Has("syncCallback") && cb.maxDelay() == 0 {
		styles = append(styles, "sync")
	}
	if len(styles) > 0 && g.rng.IntN(2) == 0 {
		cb.Style = pick(g.rng, styles)
	}
}

// delay is mostly none, sometimes up to half a second, and (where slow
// is allowed) now and then several seconds, as an identity service
// probing and retrying.
func (g *generator) delay(slow bool) int {
	switch k := g.rng.IntN(100); {
	case slow && k < 12:
		return 2000 + g.rng.IntN(4000)
	case k < 65:
		return 0
	default:
		return 10 + g.rng.IntN(490)
	}
}

// providerToAsk is mostly a provider of the session, sometimes one it
// does not have.
func (g *generator) providerToAsk(ref string) string {
	if g.rng.IntN(8) == 0 {
		return pick(g.rng, []string{"ghost", "default", "red"})
	}
	return pick(g.rng, g.provs[ref]).wireName()
}

func (g *generator) someName() string { return pick(g.rng, []string{"default", "red", "p1"}) }

// Token alphabets: JWT-like (base64url segments joined by dots), opaque,
// printable ASCII, and letters beyond ASCII. Each leaves out what a step
// phrase cannot carry: '"', '\', '|', ',' (the tables split lists on it),
// '{' and '}' (the driver's "{n}"), '<' and '>' (the steps' placeholders)
// and spaces (table cells are trimmed).
const (
	base64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	opaque    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/="
	printable = "!#$%&'()*+-./0123456789:;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz~"
)

var unicodeLetters = []rune("éüßøжщλΩ日本語한국あ€🙂")

// maxToken is the largest token: 64 KiB less room for the rest of its
// line in a printed scenario, since Gherkin's parser (a bufio.Scanner)
// reads no line of 64 KiB or more, and godog fails on one.
const maxToken = 64<<10 - 200

// token makes a token of 1 byte to maxToken bytes (log-uniform), of a
// random alphabet; rotating tokens end in "-{n}".
func (g *generator) token(rotating bool) string {
	size := 1 << g.rng.IntN(17)
	size += g.rng.IntN(size)
	size = min(size, maxToken-8)
	var body string
	switch g.rng.IntN(4) {
	case 0:
		body = g.jwt(size)
	case 1:
		body = g.from(opaque, size)
	case 2:
		body = g.from(printable, size)
	default:
		var b strings.Builder
		for b.Len() < size-4 {
			b.WriteRune(unicodeLetters[g.rng.IntN(len(unicodeLetters))])
		}
		body = b.String()
	}
	if rotating && size >= 8 && g.rng.IntN(2) == 0 {
		body += "-{n}"
	}
	return body
}

func (g *generator) jwt(size int) string {
	if size < 5 {
		return g.from(base64url, size)
	}
	a := 1 + g.rng.IntN(size/3)
	b := 1 + g.rng.IntN(size-a-2)
	c := size - a - b - 2
	return g.from(base64url, a) + "." + g.from(base64url, b) + "." + g.from(base64url, max(c, 1))
}

func (g *generator) from(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[g.rng.IntN(len(alphabet))]
	}
	return string(b)
}

func (g *generator) alnum(n int) string { return g.from(base64url[:62], n) }

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }
