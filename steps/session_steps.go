package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cucumber/godog"

	"conformance/internal/driver"
	"conformance/internal/fakeruntime"
	"conformance/internal/modelendpoint"
)

func (sc *scenario) registerSessionSteps(ctx *godog.ScenarioContext) {
	sc.step(ctx, `^a fake Copilot runtime and a model endpoint$`, sc.startRuntimeAndModel)
	sc.step(ctx, `^the SDK under test is connected to the runtime$`, sc.connectSDK)
	sc.step(ctx, `^the runtime makes (\d+) model requests? per turn$`, sc.modelRequestsPerTurn)
	sc.step(ctx, `^session "([^"]+)" is created with a singular provider whose callback returns "([^"]*)"$`, sc.createWithSingularCallback)
	sc.step(ctx, `^session "([^"]+)" is created with a singular provider whose callback returns "([^"]*)" for the scope "([^"]*)"$`, sc.createWithSingularCallbackAndScope)
	sc.step(ctx, `^session "([^"]+)" is created with a singular provider with the API key "([^"]*)" and no callback$`, sc.createWithSingularAPIKey)
	sc.step(ctx, `^session "([^"]+)" is created with this singular provider:$`, sc.createWithSingularTable)
	sc.step(ctx, `^session "([^"]+)" is created with model "([^"]+)" and these providers:$`, sc.createWithNamedProviders)
}

func (sc *scenario) startRuntimeAndModel() error {
	rt, err := fakeruntime.Start(fakeruntime.WithTokenTimeout(tokenTimeout))
	if err != nil {
		return err
	}
	sc.runtime = rt
	sc.model = modelendpoint.Start()
	return nil
}

func (sc *scenario) connectSDK(ctx context.Context) error {
	if sc.runtime == nil {
		return fmt.Errorf("no runtime to connect to: start one first")
	}
	d, err := driver.Start(sc.suite.driverCmd)
	if err != nil {
		return err
	}
	sc.driver = d
	helloCtx, cancel := context.WithTimeout(ctx, driverStartTimeout)
	defer cancel()
	hello, err := d.Hello(helloCtx)
	if err != nil {
		return fmt.Errorf("driver hello: %w", err)
	}
	if hello.SDK != sc.suite.hello.SDK || hello.SDKVersion != sc.suite.hello.SDKVersion {
		return fmt.Errorf("driver changed between scenarios: was %s %s, now %s %s",
			sc.suite.hello.SDK, sc.suite.hello.SDKVersion, hello.SDK, hello.SDKVersion)
	}
	cctx, cancel2 := context.WithTimeout(ctx, commandTimeout)
	defer cancel2()
	return d.Connect(cctx, sc.runtime.Addr())
}

func (sc *scenario) modelRequestsPerTurn(n int) error {
	if n < 1 {
		return fmt.Errorf("a turn makes at least one model request, got %d", n)
	}
	sc.runtime.SetModelRequestsPerTurn(n)
	return nil
}

// expand replaces the placeholder "<model endpoint>" with the endpoint's URL.
func (sc *scenario) expand(s string) string {
	return strings.ReplaceAll(s, "<model endpoint>", sc.model.URL())
}

func (sc *scenario) createWithSingularCallback(ctx context.Context, ref, token string) error {
	return sc.createWithSingularCallbackAndScope(ctx, ref, token, "")
}

func (sc *scenario) createWithSingularCallbackAndScope(ctx context.Context, ref, token, scope string) error {
	cb := driver.Tokens(token)
	cb.Scope = scope
	return sc.createSession(ctx, driver.SessionSpec{Ref: ref, Model: "gpt-4o", Provider: &driver.Provider{
		Type: "openai", BaseURL: sc.model.URL() + "/v1", Callback: cb,
	}})
}

func (sc *scenario) createWithSingularAPIKey(ctx context.Context, ref, apiKey string) error {
	return sc.createSession(ctx, driver.SessionSpec{Ref: ref, Model: "gpt-4o", Provider: &driver.Provider{
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
	return sc.createSession(ctx, driver.SessionSpec{Ref: ref, Model: "gpt-4o", Provider: p})
}

// createWithNamedProviders takes a table with a header row: name, then any
// provider fields. Defaults: type openai, baseUrl <model endpoint>/<name>/v1,
// and one model "default" per provider with wire model gpt-4o.
func (sc *scenario) createWithNamedProviders(ctx context.Context, ref, model string, table *godog.Table) error {
	if len(table.Rows) < 2 {
		return fmt.Errorf("the providers table needs a header row and at least one provider")
	}
	header := table.Rows[0].Cells
	spec := driver.SessionSpec{Ref: ref, Model: model}
	for _, row := range table.Rows[1:] {
		p := driver.Provider{Type: "openai"}
		for i, cell := range row.Cells {
			if err := sc.setProviderField(&p, header[i].Value, cell.Value); err != nil {
				return err
			}
		}
		if p.Name == "" {
			return fmt.Errorf("every named provider needs a name")
		}
		if p.BaseURL == "" {
			p.BaseURL = sc.model.URL() + "/" + p.Name + "/v1"
		}
		spec.Providers = append(spec.Providers, p)
		spec.Models = append(spec.Models, driver.ModelSpec{ID: "default", Provider: p.Name, WireModel: "gpt-4o"})
	}
	return sc.createSession(ctx, spec)
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

func (sc *scenario) createSession(ctx context.Context, spec driver.SessionSpec) error {
	if sc.driver == nil {
		return fmt.Errorf("no SDK is connected: connect the SDK under test first")
	}
	if _, taken := sc.sessions[spec.Ref]; taken {
		return fmt.Errorf("session %q already exists in this scenario", spec.Ref)
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
	id, err := sc.driver.CreateSession(cctx, spec)
	if err != nil {
		return fmt.Errorf("creating session %q: %w", spec.Ref, err)
	}
	if id == "" {
		return fmt.Errorf("creating session %q: the driver reported no session id", spec.Ref)
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
