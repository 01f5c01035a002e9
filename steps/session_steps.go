package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/cucumber/godog"

	"conformance/internal/driver"
	"conformance/internal/fakeruntime"
	"conformance/internal/modelendpoint"
	"conformance/internal/realruntime"
	"conformance/internal/wiretap"
)

func (sc *scenario) registerSessionSteps(ctx *godog.ScenarioContext) {
	sc.step(ctx, `^the Copilot runtime under test and a model endpoint$`, sc.startRuntimeAndModel)
	sc.step(ctx, `^the SDK under test is connected to the runtime$`, sc.connectSDK)
	sc.step(ctx, `^the runtime makes (\d+) model requests? per turn$`, sc.modelRequestsPerTurn)
	sc.step(ctx, `^session "([^"]+)" is created with a singular provider whose callback returns "([^"]*)"$`, sc.createWithSingularCallback)
	sc.step(ctx, `^session "([^"]+)" is created with a singular provider whose callback returns "([^"]*)" for the scope "([^"]*)"$`, sc.createWithSingularCallbackAndScope)
	sc.step(ctx, `^session "([^"]+)" is created with a singular provider with the API key "([^"]*)" and no callback$`, sc.createWithSingularAPIKey)
	sc.step(ctx, `^session "([^"]+)" is created with this singular provider:$`, sc.createWithSingularTable)
	sc.step(ctx, `^session "([^"]+)" is created with model "([^"]+)" and these providers:$`, sc.createWithNamedProviders)
	sc.step(ctx, `^session "([^"]+)" is created with a singular provider whose ((?:plain|sync|async) )?callback does:$`, sc.createWithScriptedCallback)
	sc.step(ctx, `^session "([^"]+)" is resumed as "([^"]+)" with a singular provider whose callback returns "([^"]*)"$`, sc.resumeWithSingularCallback)
	sc.step(ctx, `^session "([^"]+)" is resumed as "([^"]+)" with model "([^"]+)" and these providers:$`, sc.resumeWithNamedProviders)
	sc.step(ctx, `^session "([^"]+)" is disconnected$`, sc.disconnectSession)
}

// startRuntimeAndModel starts what the scenario's SDK talks to: a fresh
// fake runtime, or a fresh wire tap in front of the run's real runtime.
func (sc *scenario) startRuntimeAndModel(ctx context.Context) error {
	sc.model = modelendpoint.Start()
	if sc.env.RuntimeKind == RuntimeReal {
		real := sc.env.SharedReal
		if real == nil {
			var err error
			if real, err = realruntime.Start(ctx, sc.env.RealOpts...); err != nil {
				return err
			}
			sc.ownReal = real
		}
		tap, err := wiretap.Start(real.Addr())
		if err != nil {
			return err
		}
		sc.runtime = tap
		return nil
	}
	rt, err := fakeruntime.Start(fakeruntime.WithTokenTimeout(tokenTimeout))
	if err != nil {
		return err
	}
	sc.runtime, sc.fake = rt, rt
	return nil
}

func (sc *scenario) connectSDK(ctx context.Context) error {
	if sc.runtime == nil {
		return fmt.Errorf("no runtime to connect to: start one first")
	}
	helloCtx, cancel := context.WithTimeout(ctx, DriverStartTimeout)
	defer cancel()
	d, err := sc.env.StartDriver(helloCtx)
	if err != nil {
		return err
	}
	sc.driver = d
	hello, err := d.Hello(helloCtx)
	if err != nil {
		return fmt.Errorf("driver hello: %w", err)
	}
	if hello.SDK != sc.env.Hello.SDK || hello.SDKVersion != sc.env.Hello.SDKVersion {
		return fmt.Errorf("driver changed between scenarios: was %s %s, now %s %s",
			sc.env.Hello.SDK, sc.env.Hello.SDKVersion, hello.SDK, hello.SDKVersion)
	}
	cctx, cancel2 := context.WithTimeout(ctx, commandTimeout)
	defer cancel2()
	return d.Connect(cctx, sc.runtime.Addr(), sc.env.StdioShim)
}

func (sc *scenario) modelRequestsPerTurn(n int) error {
	if n < 1 {
		return fmt.Errorf("a turn makes at least one model request, got %d", n)
	}
	rt, err := sc.fakeRuntime(fmt.Sprintf("the real runtime makes one model request per turn without tool calls, not %d (a turn with tool calls makes more on either runtime: tool_steps.go)", n))
	if err != nil && n != 1 {
		return err
	}
	if rt != nil {
		rt.SetModelRequestsPerTurn(n)
	}
	return nil
}

// expand replaces the placeholders "<model endpoint>" with the endpoint's
// URL and "<secret>" with the scenario's random token stem (BT-17).
func (sc *scenario) expand(s string) string {
	s = strings.ReplaceAll(s, "<secret>", sc.secretStem())
	return strings.ReplaceAll(s, "<model endpoint>", sc.model.URL())
}

func (sc *scenario) createWithSingularCallback(ctx context.Context, ref, token string) error {
	return sc.createWithSingularCallbackAndScope(ctx, ref, token, "")
}

func (sc *scenario) createWithSingularCallbackAndScope(ctx context.Context, ref, token, scope string) error {
	cb := driver.Tokens(token)
	cb.Scope = scope
	return sc.openSession(ctx, sc.singularSpec(ref, cb))
}

// singularSpec is a session with the singular provider on the model
// endpoint and the given callback.
func (sc *scenario) singularSpec(ref string, cb *driver.Callback) driver.SessionSpec {
	return driver.SessionSpec{Ref: ref, Model: "gpt-4o", Provider: &driver.Provider{
		Type: "openai", BaseURL: sc.model.URL() + "/v1", Callback: cb,
	}}
}

// createWithScriptedCallback takes a table | invocation | does |; see
// parseScript for what "does" may say. kind is "plain " (the language's
// usual callback), "sync " or "async ", or empty.
func (sc *scenario) createWithScriptedCallback(ctx context.Context, ref, kind string, table *godog.Table) error {
	cb, err := parseScript(table)
	if err != nil {
		return err
	}
	if k := strings.TrimSpace(kind); k == "sync" || k == "async" {
		cb.Style = k
	}
	return sc.openSession(ctx, sc.singularSpec(ref, cb))
}

func (sc *scenario) resumeWithSingularCallback(ctx context.Context, from, ref, token string) error {
	id, err := sc.sessionID(from)
	if err != nil {
		return err
	}
	spec := sc.singularSpec(ref, driver.Tokens(token))
	spec.SessionID = id
	return sc.openSession(ctx, spec)
}

func (sc *scenario) resumeWithNamedProviders(ctx context.Context, from, ref, model string, table *godog.Table) error {
	id, err := sc.sessionID(from)
	if err != nil {
		return err
	}
	spec, err := sc.namedSpec(ref, model, table)
	if err != nil {
		return err
	}
	spec.SessionID = id
	return sc.openSession(ctx, spec)
}

func (sc *scenario) disconnectSession(ctx context.Context, ref string) error {
	if _, err := sc.sessionID(ref); err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	if err := sc.driver.DisconnectSession(cctx, ref); err != nil {
		return fmt.Errorf("disconnecting session %q: %w", ref, err)
	}
	return nil
}

func (sc *scenario) createWithSingularAPIKey(ctx context.Context, ref, apiKey string) error {
	return sc.openSession(ctx, driver.SessionSpec{Ref: ref, Model: "gpt-4o", Provider: &driver.Provider{
		Type: "openai", BaseURL: sc.model.URL() + "/v1", APIKey: apiKey,
	}})
}

// createWithSingularTable takes a two-column table of provider fields.
// Defaults: type openai, baseUrl <model endpoint>/v1.
func (sc *scenario) createWithSingularTable(ctx context.Context, ref string, table *godog.Table) error {
	p := &driver.Provider{Type: "openai", BaseURL: sc.model.URL() + "/v1"}
	for _, row := range table.Rows {
		if len(row.Cells) != 2 {
			return fmt.Errorf("provider table rows are | field | value |")
		}
		if err := sc.setProviderField(p, row.Cells[0].Value, row.Cells[1].Value); err != nil {
			return err
		}
	}
	return sc.openSession(ctx, driver.SessionSpec{Ref: ref, Model: "gpt-4o", Provider: p})
}

// createWithNamedProviders takes a table with a header row: name, then any
// provider fields. Defaults: type openai, baseUrl <model endpoint>/<name>/v1,
// and one model "default" per provider with wire model gpt-4o.
func (sc *scenario) createWithNamedProviders(ctx context.Context, ref, model string, table *godog.Table) error {
	spec, err := sc.namedSpec(ref, model, table)
	if err != nil {
		return err
	}
	return sc.openSession(ctx, spec)
}

func (sc *scenario) namedSpec(ref, model string, table *godog.Table) (driver.SessionSpec, error) {
	if len(table.Rows) < 2 {
		return driver.SessionSpec{}, fmt.Errorf("the providers table needs a header row and at least one provider")
	}
	header := table.Rows[0].Cells
	spec := driver.SessionSpec{Ref: ref, Model: model}
	for _, row := range table.Rows[1:] {
		p := driver.Provider{Type: "openai"}
		for i, cell := range row.Cells {
			if err := sc.setProviderField(&p, header[i].Value, cell.Value); err != nil {
				return driver.SessionSpec{}, err
			}
		}
		if p.Name == "" {
			return driver.SessionSpec{}, fmt.Errorf("every named provider needs a name")
		}
		if p.BaseURL == "" {
			p.BaseURL = sc.model.URL() + "/" + p.Name + "/v1"
		}
		spec.Providers = append(spec.Providers, p)
		spec.Models = append(spec.Models, driver.ModelSpec{ID: "default", Provider: p.Name, WireModel: "gpt-4o"})
	}
	return spec, nil
}

// setProviderField sets one field from a table cell. An empty cell leaves
// the field unset.
func (sc *scenario) setProviderField(p *driver.Provider, field, value string) error {
	value = sc.expand(strings.TrimSpace(value))
	if value == "" {
		return nil
	}
	switch field {
	case "name":
		p.Name = value
	case "type":
		p.Type = value
	case "wireApi":
		p.WireAPI = value
	case "baseUrl":
		p.BaseURL = value
	case "apiKey":
		p.APIKey = value
	case "bearerToken":
		p.BearerToken = value
	case "headers":
		if err := json.Unmarshal([]byte(value), &p.Headers); err != nil {
			return fmt.Errorf("headers must be a JSON object of strings: %v", err)
		}
	case "callback returns":
		p.Callback = driver.Tokens(splitList(value)...)
	case "callback delay ms":
		ms, err := strconv.Atoi(value)
		if err != nil || ms < 0 {
			return fmt.Errorf("callback delay ms must be a whole number, got %q", value)
		}
		if p.Callback == nil {
			return fmt.Errorf(`"callback delay ms" needs a "callback returns" column before it`)
		}
		p.Callback.SetDelay(ms)
	default:
		return fmt.Errorf("unknown provider field %q in the table", field)
	}
	return nil
}

// splitList splits "a, b, c" into its items. A single item keeps its
// spaces, so a token with leading or trailing blanks can be given.
func splitList(s string) []string {
	if !strings.Contains(s, ",") {
		return []string{s}
	}
	var out []string
	for _, item := range strings.Split(s, ",") {
		out = append(out, strings.TrimSpace(item))
	}
	return out
}

// openSession creates the session spec.Ref, or, when spec.SessionID is
// set, resumes that session under the new name spec.Ref (so that the
// callbacks given on resume have labels of their own).
func (sc *scenario) openSession(ctx context.Context, spec driver.SessionSpec) error {
	if sc.driver == nil {
		return fmt.Errorf("no SDK is connected: connect the SDK under test first")
	}
	if _, taken := sc.sessions[spec.Ref]; taken {
		return fmt.Errorf("session %q already exists in this scenario", spec.Ref)
	}
	spec.Tools = append(spec.Tools, sc.tools...)
	verb, open := "creating", sc.driver.CreateSession
	if spec.SessionID != "" {
		verb, open = "resuming", sc.driver.ResumeSession
	}
	if spec.Provider != nil && spec.Provider.Callback != nil {
		sc.callbacks[spec.Ref+"/singular"] = spec.Provider.Callback
	}
	for _, p := range spec.Providers {
		if p.Callback != nil {
			sc.callbacks[spec.Ref+"/"+p.Name] = p.Callback
		}
	}
	cctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	id, err := open(cctx, spec)
	if err != nil {
		return fmt.Errorf("%s session %q: %w", verb, spec.Ref, err)
	}
	if id == "" {
		return fmt.Errorf("%s session %q: the driver reported no session id", verb, spec.Ref)
	}
	if spec.SessionID != "" && id != spec.SessionID {
		return fmt.Errorf("resuming session %s as %q: the SDK reports session id %s", spec.SessionID, spec.Ref, id)
	}
	sc.sessions[spec.Ref] = id
	return nil
}

// sessionID returns the id of a session the scenario created.
func (sc *scenario) sessionID(ref string) (string, error) {
	id, ok := sc.sessions[ref]
	if !ok {
		return "", fmt.Errorf("the scenario has no session %q", ref)
	}
	return id, nil
}
