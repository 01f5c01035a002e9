package steps

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/cucumber/godog"

	"conformance/internal/contract"
)

func (sc *scenario) registerWireSteps(ctx *godog.ScenarioContext) {
	const request = `^in the (session\.create|session\.resume) request for session "([^"]+)", `
	const provider = `(the singular provider|provider "[^"]+")`
	sc.step(ctx, request+provider+` has "([^"]+)": (.+)$`, sc.providerHasField)
	sc.step(ctx, request+provider+` does not have "([^"]+)": (.+)$`, sc.providerLacksField)
	sc.step(ctx, request+provider+` has these fields:$`, sc.providerHasFields)
	sc.step(ctx, request+`no provider has a key naming the callback$`, sc.noCallbackKey)
	sc.step(ctx, request+`no provider has a key for a scope, an audience or an expiry$`, sc.noScopeKey)
	sc.step(ctx, `^the text "([^"]+)" appears in no frame on the wire$`, sc.textNowhereOnWire)
	sc.step(ctx, `^the (session\.create) request for session "([^"]+)" contains none of the tokens its callbacks return$`, sc.noTokenInCreate)
}

// openParams returns the params of the last session.create or
// session.resume request (method) for the session ref. The session is
// matched by the id in the request, or, for SDKs that let the runtime
// choose, by the id in the answer.
func (sc *scenario) openParams(method, ref string) (map[string]any, json.RawMessage, error) {
	id, err := sc.sessionID(ref)
	if err != nil {
		return nil, nil, err
	}
	found, foundRaw := sc.runtime.Log().SessionOpen(method, id)
	if found == nil {
		return nil, nil, fmt.Errorf("no %s request on the wire for session %q (%s)", method, ref, id)
	}
	return found, foundRaw, nil
}

// wireProvider finds "the singular provider" or `provider "X"` in params.
func wireProvider(params map[string]any, which string) (map[string]any, error) {
	if which == "the singular provider" {
		p, ok := params["provider"].(map[string]any)
		if !ok {
			return nil, fmt.Errorf(`session.create has no singular "provider" object; params: %s`, compact(params))
		}
		return p, nil
	}
	name, _ := strconv.Unquote(strings.TrimPrefix(which, "provider "))
	list, _ := params["providers"].([]any)
	for _, item := range list {
		if p, ok := item.(map[string]any); ok && p["name"] == name {
			return p, nil
		}
	}
	return nil, fmt.Errorf(`session.create has no entry named %q in "providers"; params: %s`, name, compact(params))
}

// allWireProviders returns the singular provider and every named one.
func allWireProviders(params map[string]any) []map[string]any {
	var out []map[string]any
	if p, ok := params["provider"].(map[string]any); ok {
		out = append(out, p)
	}
	list, _ := params["providers"].([]any)
	for _, item := range list {
		if p, ok := item.(map[string]any); ok {
			out = append(out, p)
		}
	}
	return out
}

func (sc *scenario) provider(method, ref, which string) (map[string]any, error) {
	params, _, err := sc.openParams(method, ref)
	if err != nil {
		return nil, err
	}
	return wireProvider(params, which)
}

func (sc *scenario) parseJSONValue(text string) (any, error) {
	var v any
	if err := json.Unmarshal([]byte(sc.expand(text)), &v); err != nil {
		return nil, fmt.Errorf("expected value %s is not JSON: %v", text, err)
	}
	return v, nil
}

func (sc *scenario) providerHasField(method, ref, which, key, value string) error {
	p, err := sc.provider(method, ref, which)
	if err != nil {
		return err
	}
	want, err := sc.parseJSONValue(value)
	if err != nil {
		return err
	}
	got, present := p[key]
	if !present {
		return fmt.Errorf("%s has no %q on the wire; it is %s", which, key, compact(p))
	}
	if !reflect.DeepEqual(got, want) {
		return fmt.Errorf("%s has %q: %s on the wire, want %s; provider: %s", which, key, compact(got), compact(want), compact(p))
	}
	return nil
}

func (sc *scenario) providerLacksField(method, ref, which, key, value string) error {
	p, err := sc.provider(method, ref, which)
	if err != nil {
		return err
	}
	unwanted, err := sc.parseJSONValue(value)
	if err != nil {
		return err
	}
	if got, present := p[key]; present && reflect.DeepEqual(got, unwanted) {
		return fmt.Errorf("%s has %q: %s on the wire, and must not; provider: %s", which, key, compact(got), compact(p))
	}
	return nil
}

func (sc *scenario) providerHasFields(method, ref, which string, table *godog.Table) error {
	for _, row := range table.Rows {
		if len(row.Cells) != 2 {
			return fmt.Errorf("field table rows are | field | JSON value |")
		}
		if err := sc.providerHasField(method, ref, which, row.Cells[0].Value, row.Cells[1].Value); err != nil {
			return err
		}
	}
	return nil
}

func (sc *scenario) noKeysInProviders(method, ref string, names map[string]bool, what string) error {
	params, _, err := sc.openParams(method, ref)
	if err != nil {
		return err
	}
	providers := allWireProviders(params)
	if len(providers) == 0 {
		return fmt.Errorf("%s for session %q has no provider at all; params: %s", method, ref, compact(params))
	}
	var found []string
	for _, p := range providers {
		found = append(found, contract.FindKeys(p, "provider", names)...)
	}
	if len(found) > 0 {
		return fmt.Errorf("%s on the wire: %s; providers: %s", what, strings.Join(found, ", "), compact(providers))
	}
	return nil
}

func (sc *scenario) noCallbackKey(method, ref string) error {
	return sc.noKeysInProviders(method, ref, contract.CallbackKeys, "a key naming the callback is")
}

func (sc *scenario) noScopeKey(method, ref string) error {
	return sc.noKeysInProviders(method, ref, contract.ScopeKeys, "a scope, audience or expiry key is")
}

func (sc *scenario) textNowhereOnWire(text string) error {
	frames := sc.runtime.Log().Frames()
	if len(frames) == 0 {
		return fmt.Errorf("the wire log is empty: nothing was checked")
	}
	for _, f := range frames {
		if strings.Contains(string(f.Raw), text) {
			return fmt.Errorf("%q crossed the wire in frame #%d (%s): %s", text, f.Seq, f.Dir, f.Raw)
		}
	}
	return nil
}

// candidateTokens lists the tokens the callbacks of session ref would
// return in their first invocations.
func (sc *scenario) candidateTokens(ref string) []string {
	var tokens []string
	for key, cb := range sc.callbacks {
		if !strings.HasPrefix(key, ref+"/") {
			continue
		}
		for n := 1; n <= 10; n++ {
			for _, r := range cb.Responses {
				if r.Token != nil {
					tokens = append(tokens, strings.ReplaceAll(*r.Token, "{n}", strconv.Itoa(n)))
				}
			}
		}
	}
	return tokens
}

func (sc *scenario) noTokenInCreate(method, ref string) error {
	_, raw, err := sc.openParams(method, ref)
	if err != nil {
		return err
	}
	tokens := sc.candidateTokens(ref)
	if len(tokens) == 0 {
		return fmt.Errorf("session %q has no callbacks: nothing to check", ref)
	}
	for _, t := range tokens {
		if strings.Contains(string(raw), t) {
			return fmt.Errorf("token %q is in the %s request: %s", t, method, raw)
		}
	}
	return nil
}

func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
