// Command testtimes gathers the timing records of a make test
// (internal/timings) into results/test-times.json and prints the slowest
// parts:
//
//	go run ./internal/cmd/testtimes -results results [-reset]
//
// -reset empties the records instead, at the start of a make test.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"conformance/internal/timings"
)

func main() {
	results := flag.String("results", "results", "the results folder")
	reset := flag.Bool("reset", false, "remove the records of an earlier make test")
	n := flag.Int("n", 5, "how many of the slowest parts to print")
	flag.Parse()
	dir := timings.Dir(*results)
	if *reset {
		if err := os.RemoveAll(dir); err != nil {
			fail(err)
		}
		return
	}
	report, err := timings.Gather(dir)
	if err != nil {
		fail(err)
	}
	out := filepath.Join(*results, "test-times.json")
	if err := report.Write(out); err != nil {
		fail(err)
	}
	report.Slowest(os.Stdout, *n)
	fmt.Printf("where make test's time went, per phase and per build: %s\n", out)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "testtimes:", err)
	os.Exit(1)
}
