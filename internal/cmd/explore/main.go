// Command explore runs the contract explorer (make explore) against one
// SDK build: random workloads from a model of the contract, each checked
// rule by rule, a new violation shrunk and printed as a scenario. It exits
// 1 when it finds a violation that the SDK's expectations file does not
// record. See package explore and docs/exploring.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"conformance/internal/driver"
	"conformance/internal/explore"
	"conformance/internal/procgroup"
	"conformance/internal/sdk"
	"conformance/internal/suite"
)

func main() {
	sdkName := flag.String("sdk", "node", "the SDK (node, go, python, rust, java, dotnet)")
	version := flag.String("version", "", "a published SDK version instead of the pinned one (SDK_VERSION)")
	source := flag.String("source", "", "a local SDK checkout or archive instead of the registry's (SDK_SOURCE)")
	seed := flag.String("seed", "", "the first workload's seed (empty: one from the clock, printed)")
	n := flag.Int("n", 0, "at most this many workloads (0: until the budget is spent)")
	budget := flag.Duration("budget", 0, "at most this long, e.g. 60s (0: until N workloads); a workload running then finishes")
	shrinkRuns := flag.Int("shrink-runs", 40, "re-runs a shrink may spend on one violation")
	root := flag.String("root", ".", "the suite's checkout")
	flag.Parse()
	defer procgroup.KillAll()
	if *n == 0 && *budget == 0 {
		*budget = 60 * time.Second
	}
	first := uint64(time.Now().UnixNano() % 1_000_000)
	if *seed != "" {
		if _, err := fmt.Sscan(*seed, &first); err != nil {
			fail("SEED %q is not a whole number", *seed)
		}
	}
	abs, err := filepath.Abs(*root)
	if err != nil {
		fail("%v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	cfg, err := suite.Config{SDK: *sdkName, Version: *version, Source: *source, Root: abs}.WithSourceVersion()
	if err != nil {
		fail("%v", err)
	}
	s, err := sdk.Lookup(*sdkName)
	if err != nil {
		fail("%v", err)
	}
	cmd, err := s.Prepare(ctx, sdk.Options{Root: abs, Version: *version, Source: cfg.Source, Log: os.Stderr})
	if err != nil {
		fail("%v", err)
	}
	served, server, err := driver.StartServer(ctx, cmd)
	if err != nil {
		fmt.Fprintf(os.Stderr, "explore: %v; each driver starts on its own instead\n", err)
	}
	defer server.Stop()
	start := func(context.Context) (*driver.Driver, error) { return driver.Start(served) }

	hello, err := helloOnce(ctx, start)
	if err != nil {
		fail("%v", err)
	}
	runVersion := hello.SDKVersion
	if sdk.IsPlaceholderVersion(runVersion) && cfg.SourceVersion.Known() {
		runVersion = cfg.SourceVersion.Version
	}
	known, err := explore.NewKnown(filepath.Join(abs, "expectations"), *sdkName, runVersion)
	if err != nil {
		fail("%v", err)
	}
	replay := "make explore SDK=" + *sdkName
	if *version != "" {
		replay += " SDK_VERSION=" + *version
	}
	if *source != "" {
		replay += " SDK_SOURCE=" + *source
	}
	r := &explore.Runner{StartDriver: start, Hello: hello, Known: known}
	sum, err := r.Explore(ctx, explore.Config{Seed: first, N: *n, Budget: *budget, ShrinkRuns: *shrinkRuns,
		Replay: replay + " SEED=%d N=1", Out: os.Stdout})
	if err != nil {
		fail("%v", err)
	}
	fmt.Printf("explore: replay this run with: %s SEED=%d N=%d\n", replay, first, sum.Workloads)
	if len(sum.New) > 0 {
		var rules []string
		for _, f := range sum.New {
			rules = append(rules, fmt.Sprintf("%s (%s, seed %d)", f.Violation.Rule, f.Violation.Condition, f.Seed))
		}
		fmt.Printf("explore: %s: new violations: %s\n", *sdkName, strings.Join(rules, ", "))
		os.Exit(1)
	}
}

// helloOnce asks a first driver what it is: its declaration decides what
// the workloads use.
func helloOnce(ctx context.Context, start func(context.Context) (*driver.Driver, error)) (driver.Hello, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	d, err := start(ctx)
	if err != nil {
		return driver.Hello{}, err
	}
	defer d.Close()
	return d.Hello(ctx)
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "explore: "+format+"\n", args...)
	procgroup.KillAll()
	os.Exit(2)
}
