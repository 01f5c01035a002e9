// Command bench measures the providerToken.getToken round trip for each
// SDK (make bench). See package bench.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"conformance/internal/bench"
	"conformance/internal/build"
	"conformance/internal/driver"
	"conformance/internal/fakeruntime"
	"conformance/internal/procgroup"
	"conformance/internal/sdk"
)

func main() {
	sdks := flag.String("sdk", "node,go", "SDK builds to measure: "+build.Syntax+", comma-separated")
	n := flag.Int("n", 200, "requests per series")
	root := flag.String("root", ".", "the suite's checkout")
	out := flag.String("out", "results/bench.json", "where to write the JSON report")
	version := flag.String("version", "", "a published SDK version instead of the pinned one (SDK_VERSION)")
	source := flag.String("source", "", "a local SDK checkout or package instead of the registry's (SDK_SOURCE)")
	transports := flag.String("transport", "tcp,stdio", "comma-separated transports to measure: tcp, stdio")
	flag.Parse()
	defer procgroup.KillAll()

	builds, err := build.ParseBuilds(*sdks, build.Defaults{Version: *version, Source: *source})
	if err != nil {
		fail("%v", err)
	}
	if _, err := build.Expand(builds, "", *transports, ""); err != nil {
		fail("%v", err)
	}
	ctx := context.Background()
	results, err := baseline(ctx, *n)
	if err != nil {
		fail("go baseline: %v", err)
	}
	shim, err := sdk.BuildStdioShim(ctx, *root, os.Stderr)
	if err != nil {
		fail("%v", err)
	}
	wanted := 0
	for _, transport := range build.List(*transports) {
		for _, b := range builds {
			name := b.String()
			r, err := measureSDK(ctx, sdk.Options{Root: *root, Version: b.Version, Source: b.Source, Log: os.Stderr}, b.SDK, transport, shim, *n)
			if build.IsAll(*sdks) && errors.Is(err, sdk.ErrNotRunnableHere) {
				// As make conformance SDK=all: what this machine cannot run is named, not failed.
				fmt.Fprintf(os.Stderr, "bench: skipped %s over %s: %v\n", name, transport, err)
				continue
			}
			wanted++
			if err != nil {
				fmt.Fprintf(os.Stderr, "bench: %s over %s: %v\n", name, transport, err)
				continue // the others are still worth measuring; the exit code says something failed
			}
			results = append(results, r...)
		}
	}
	fmt.Print(bench.Table(results))
	report := bench.Report{Date: time.Now().UTC().Format(time.RFC3339), Runtime: "fake " + fakeruntime.Version, N: *n, Results: results}
	if b, err := os.ReadFile(*out); err == nil {
		// Keep the other SDKs' numbers from earlier runs (bench.Merge).
		var earlier bench.Report
		if json.Unmarshal(b, &earlier) == nil {
			report = bench.Merge(earlier, report)
		}
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		fail("%v", err)
	}
	f, err := os.Create(*out)
	if err != nil {
		fail("%v", err)
	}
	defer f.Close()
	if err := report.WriteJSON(f); err != nil {
		fail("%v", err)
	}
	fmt.Println("wrote", *out)
	if len(results) < 2*(wanted+1) {
		os.Exit(1)
	}
}

func baseline(ctx context.Context, n int) ([]bench.Result, error) {
	rt, err := fakeruntime.Start()
	if err != nil {
		return nil, err
	}
	defer rt.Close()
	b, err := bench.StartBaseline(ctx, rt.Addr())
	if err != nil {
		return nil, err
	}
	defer b.Close()
	seq, conc, err := bench.Measure(ctx, rt, b.SessionID, fakeruntime.DefaultProviderName, n)
	if err != nil {
		return nil, err
	}
	return series("go baseline", "tcp", seq, conc), nil
}

func measureSDK(ctx context.Context, opts sdk.Options, name, transport, shim string, n int) ([]bench.Result, error) {
	if transport != "stdio" {
		transport, shim = "tcp", ""
	}
	s, err := sdk.Lookup(name)
	if err != nil {
		return nil, err
	}
	cmd, err := s.Prepare(ctx, opts)
	if err != nil {
		return nil, err
	}
	rt, err := fakeruntime.Start()
	if err != nil {
		return nil, err
	}
	defer rt.Close()
	d, err := driver.Start(cmd)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	cctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	hello, err := d.Hello(cctx)
	if err != nil {
		return nil, err
	}
	if err := d.Connect(cctx, rt.Addr(), shim); err != nil {
		return nil, err
	}
	id, err := d.CreateSession(cctx, driver.SessionSpec{Ref: "bench", Model: "gpt-4o",
		Provider: &driver.Provider{Type: "openai", BaseURL: "http://127.0.0.1:9/v1", Callback: driver.Tokens("tok-{n}")}})
	if err != nil {
		return nil, err
	}
	seq, conc, err := bench.Measure(ctx, rt, id, fakeruntime.DefaultProviderName, n)
	if err != nil {
		return nil, err
	}
	return series(hello.SDK+" "+hello.SDKVersion, transport, seq, conc), nil
}

func series(client, transport string, seq, conc bench.Stats) []bench.Result {
	return []bench.Result{
		{Client: client, Transport: transport, Mode: "sequential", Stats: seq},
		{Client: client, Transport: transport, Mode: "concurrent", Stats: conc},
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
	os.Exit(1)
}
