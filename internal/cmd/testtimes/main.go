// Command testtimes gathers the timing records of a make test
// (internal/timings) into results/test-times.json and prints the slowest
// parts:
//
//	go run ./internal/cmd/testtimes -results results [-reset]
//	go run ./internal/cmd/testtimes -compare other/test-times.json [-results results]
//
// It also counts the scenarios of each run the make test wrote, each way
// they ended. -compare prints every run whose counts differ from another
// make test's (say, one with BUILDS_AT_ONCE=1) and fails if any does.
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
	compare := flag.String("compare", "", "another make test's test-times.json: compare the scenario counts of <results>/test-times.json with it")
	flag.Parse()
	if *compare != "" {
		mine, err := timings.ReadReport(filepath.Join(*results, "test-times.json"))
		if err != nil {
			fail(err)
		}
		other, err := timings.ReadReport(*compare)
		if err != nil {
			fail(err)
		}
		if !timings.CompareCounts(os.Stdout, mine, other, filepath.Join(*results, "test-times.json"), *compare) {
			os.Exit(1)
		}
		return
	}
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
	if report.Counts, err = timings.CountRuns(*results, report.FirstStart()); err != nil {
		fmt.Fprintln(os.Stderr, "testtimes: no scenario counts:", err)
	}
	if m, ok, err := timings.MachineSince(dir); err != nil {
		fmt.Fprintln(os.Stderr, "testtimes: no machine-wide CPU time:", err)
	} else if ok {
		report.Machine = &m
	}
	out := filepath.Join(*results, "test-times.json")
	if err := report.Write(out); err != nil {
		fail(err)
	}
	report.Slowest(os.Stdout, *n)
	report.GateSummary(os.Stdout)
	report.MachineSummary(os.Stdout)
	fmt.Printf("where make test's time went, per phase and per build: %s\n", out)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "testtimes:", err)
	os.Exit(1)
}
