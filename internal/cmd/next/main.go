// Command next prints what the next channel of each SDK, and of the real
// runtime's package, resolves to today (make next-versions): the version
// `SDK=<sdk>@next` and `RUNTIME_VERSION=next` would run, and where it was
// read. See docs/next-channel.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"conformance/internal/build"
	"conformance/internal/realruntime"
	"conformance/internal/sdk"
	"conformance/internal/versions"
)

func main() {
	sdks := flag.String("sdk", "all", "SDKs, comma-separated, or all: those whose toolchain is here")
	flag.Parse()
	var names []string
	if build.IsAll(*sdks) {
		for _, s := range sdk.Ordered() {
			if err := s.CheckToolchain(); err != nil {
				fmt.Printf("%s@next: not asked (%v)\n", s.Name, err)
				continue
			}
			names = append(names, s.Name)
		}
	} else {
		names = build.List(*sdks)
	}
	ctx := context.Background()
	ok := true
	for _, name := range names {
		n, err := versions.DefaultNext.SDK(ctx, name)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s@next: %v\n", name, err)
			ok = false
			continue
		}
		fmt.Printf("%s@next: %s\n", name, n)
	}
	if n, err := versions.DefaultNext.Runtime(ctx, realruntime.PackageName); err != nil {
		fmt.Fprintf(os.Stderr, "RUNTIME_VERSION=next: %v\n", err)
		ok = false
	} else {
		fmt.Printf("RUNTIME_VERSION=next: %s\n", n)
	}
	if !ok {
		os.Exit(1)
	}
}
