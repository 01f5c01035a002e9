// Command ruletables rewrites the rule tables of the given Markdown files
// (make rule-tables: README.md and CONTRACT.md) from the rules the feature
// files state, between the markers of package contract.
package main

import (
	"flag"
	"fmt"
	"os"

	"conformance/internal/contract"
)

func main() {
	features := flag.String("features", "features", "the feature files, which state the rules")
	flag.Parse()
	rules, err := contract.Load(*features)
	if err != nil {
		fail(err)
	}
	for _, path := range flag.Args() {
		doc, err := os.ReadFile(path)
		if err != nil {
			fail(err)
		}
		out, err := contract.WithTables(string(doc), rules)
		if err != nil {
			fail(fmt.Errorf("%s: %w", path, err))
		}
		if out == string(doc) {
			continue
		}
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			fail(err)
		}
		fmt.Println("wrote", path)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "ruletables:", err)
	os.Exit(1)
}
