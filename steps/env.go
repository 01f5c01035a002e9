// Package steps holds the godog step definitions of the conformance suite,
// on the state of one scenario. Initialize wires them into a scenario;
// package suite (internal/suite) runs the features with them against one
// SDK and judges the results.
package steps

import (
	"context"
	"fmt"

	"github.com/cucumber/godog"

	"conformance/internal/driver"
	"conformance/internal/expectations"
	"conformance/internal/gate"
	"conformance/internal/realruntime"
)

// Env is what the scenarios of one run need from it: only what is fixed
// for the run (how to start the driver, what it said it is, which runtime)
// and where each scenario's result goes. Scenarios read it and share
// nothing else.
type Env struct {
	// StartDriver starts one driver for a scenario, wherever drivers run.
	StartDriver func(context.Context) (*driver.Driver, error)
	// Hello is what the run's driver said it is, before the scenarios.
	Hello driver.Hello
	// ResultsDir is where a scenario keeps its wire record.
	ResultsDir string
	// StdioShim is the shim the SDK spawns as its runtime, when the
	// transport is stdio; "" over TCP.
	StdioShim string
	// RuntimeKind is RuntimeFake or RuntimeReal.
	RuntimeKind string
	// Runner is where drivers run: "local" (or "") or "container".
	Runner string
	// RealOpts say how to start the real runtime, when RuntimeKind is
	// RuntimeReal; SharedReal is the run's real runtime, shared by its
	// scenarios (TCP only: over stdio each scenario starts its own).
	RealOpts   []realruntime.Option
	SharedReal *realruntime.Runtime
	// Gate keeps the scenarios that measure time (SerialTag) alone while
	// the others run side by side; a nil Gate lets every scenario through.
	Gate *gate.Gate
	// Finished gets each scenario's result when it ends, with the error it
	// ended with (for the progress line's detail).
	Finished func(result expectations.Result, err error)
}

// Initialize wires a new scenario's hooks and steps into godog: godog's
// ScenarioInitializer calls it once per scenario, so scenarios share
// nothing but env.
func Initialize(sctx *godog.ScenarioContext, env *Env) {
	newScenario(env).register(sctx)
}

// RealOnlyTag marks a scenario about what the real runtime does (its
// retries): not applicable on the fake runtime.
const RealOnlyTag = "@real-only"

// OncePerBuildTag marks a long scenario that checks the SDK alone, so one
// configuration suffices: it runs on the fake runtime over TCP and is not
// applicable, with a reason naming where it ran, in every other one.
const OncePerBuildTag = "@once-per-build"

// notApplicable says why a scenario does not apply to this SDK build, from
// its tags: @gen2 needs the second contract generation (CONTRACT.md),
// @fake-only the fake runtime, @real-only the real one, @once-per-build
// the fake runtime over TCP, and @needs-<capability> a capability the
// driver declared in its hello (drivers/PROTOCOL.md).
func (e *Env) notApplicable(p *godog.Scenario) string {
	for _, c := range neededCapabilities(p) {
		if !e.Hello.Has(c) {
			return fmt.Sprintf("needs the driver capability %q (tag @needs-%s); the %s driver declares %q", c, c, e.Hello.SDK, e.Hello.Capabilities)
		}
	}
	if hasTag(p, "@gen2") && e.Hello.Generation < 2 {
		return fmt.Sprintf("needs contract generation 2; %s %s is generation %d", e.Hello.SDK, e.Hello.SDKVersion, e.Hello.Generation)
	}
	if hasTag(p, "@fake-only") && e.RuntimeKind == RuntimeReal {
		return "needs the fake runtime: it makes the runtime act on its own (or assumes the fake's retry policy), which the real runtime cannot be made to do"
	}
	if hasTag(p, RealOnlyTag) && e.RuntimeKind != RuntimeReal {
		return "needs the real runtime: it records and checks what the real runtime itself does (its retries), which the fake runtime does not imitate"
	}
	if hasTag(p, OncePerBuildTag) && (e.RuntimeKind != RuntimeFake || e.StdioShim != "" || (e.Runner != "" && e.Runner != "local")) {
		return "runs once per SDK build, where it costs least: on the fake runtime over TCP with a local driver (it takes tens of seconds and checks the SDK alone, which another runtime, transport or runner would not check differently)"
	}
	return ""
}
