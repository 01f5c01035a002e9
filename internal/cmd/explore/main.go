// Command explore runs the contract explorer (make explore) against each
// SDK build it is given: random workloads from a model of the contract, each checked
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

	"conformance/internal/build"
	"conformance/internal/driver"
	"conformance/internal/explore"
	"conformance/internal/gate"
	"conformance/internal/procgroup"
	"conformance/internal/sdk"
	"conformance/internal/suite"
)

func main() {
	sdkList := flag.String("sdk", "node", "the SDK builds, spelled as everywhere: node, node@1.0.4, java+<archive>, or a comma-separated list of them, each explored in turn from the same seed")
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

	builds, err := build.ParseBuilds(*sdkList, build.Defaults{Version: *version, Source: *source})
	if err != nil {
		fail("%v", err)
	}
	found := false
	for _, b := range builds {
		newFound, err := exploreBuild(ctx, abs, b, explore.Config{Seed: first, N: *n, Budget: *budget, ShrinkRuns: *shrinkRuns, Out: os.Stdout})
		if err != nil {
			fail("%s: %v", b, err)
		}
		found = found || newFound
	}
	if found {
		os.Exit(1)
	}
}

// exploreBuild explores one build from the config's seed and says whether
// it found a violation its expectations do not record.
func exploreBuild(ctx context.Context, root string, b build.Build, c explore.Config) (bool, error) {
	cfg, err := suite.Config{SDK: b.SDK, Version: b.Version, Source: b.Source, Root: root}.WithSourceVersion()
	if err != nil {
		return false, err
	}
	s, err := sdk.Lookup(b.SDK)
	if err != nil {
		return false, err
	}
	cmd, err := s.Prepare(ctx, sdk.Options{Root: root, Version: b.Version, Source: cfg.Source, Log: os.Stderr})
	if err != nil {
		return false, err
	}
	served, server, err := driver.StartServer(ctx, cmd)
	if err != nil {
		fmt.Fprintf(os.Stderr, "explore: %v; each driver starts on its own instead\n", err)
	}
	defer server.Stop()
	start := func(context.Context) (*driver.Driver, error) { return driver.Start(served) }

	hello, err := helloOnce(ctx, start)
	if err != nil {
		return false, err
	}
	runVersion := hello.SDKVersion
	if sdk.IsPlaceholderVersion(runVersion) && cfg.SourceVersion.Known() {
		runVersion = cfg.SourceVersion.Version
	}
	known, err := explore.NewKnown(filepath.Join(root, "expectations"), b.SDK, runVersion)
	if err != nil {
		return false, err
	}
	// The one build spelling (package build), so the replay names exactly
	// this build.
	replay := "make explore SDK=" + b.String()
	g, err := gate.FromEnv("explore " + hello.SDK)
	if err != nil {
		return false, err
	}
	r := &explore.Runner{StartDriver: start, Hello: hello, Known: known, Gate: g}
	c.Replay = replay + " SEED=%d N=1"
	sum, err := r.Explore(ctx, c)
	if err != nil {
		return false, err
	}
	fmt.Printf("explore: replay this run with: %s SEED=%d N=%d\n", replay, c.Seed, sum.Workloads)
	if len(sum.New) == 0 {
		return false, nil
	}
	var rules []string
	for _, f := range sum.New {
		rules = append(rules, fmt.Sprintf("%s (%s, seed %d)", f.Violation.Rule, f.Violation.Condition, f.Seed))
	}
	fmt.Printf("explore: %s: new violations: %s\n", b, strings.Join(rules, ", "))
	return true, nil
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
