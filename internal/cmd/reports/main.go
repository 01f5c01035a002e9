// Command reports reads the run records under one or more results
// folders (each holding <label>/verdict.json) for a CI:
//
//	reports check   DIR...  validate junit.xml, cucumber.json and verdict.json against their schemas
//	reports gate    DIR...  list each run; exit 1 on any unexpected result (-require-run: also on a build not run)
//	reports comment DIR...  a Markdown summary for a pull-request comment, on stdout
package main

import (
	"flag"
	"fmt"
	"os"

	"conformance/internal/reports"
	"conformance/internal/results"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	cmd, args := os.Args[1], os.Args[2:]
	flags := flag.NewFlagSet(cmd, flag.ExitOnError)
	requireRun := flags.Bool("require-run", false, "gate: a build that could not run fails the gate too")
	_ = flags.Parse(args)
	dirs := flags.Args()
	if len(dirs) == 0 {
		dirs = []string{"results"}
	}
	switch cmd {
	case "check":
		n, err := reports.CheckAll(dirs...)
		if err != nil {
			fail(err)
		}
		fmt.Printf("reports: %d run folder(s) valid against their schemas\n", n)
	case "gate":
		runs := load(dirs)
		if !reports.Gate(os.Stdout, runs, *requireRun) {
			fmt.Fprintln(os.Stderr, "reports: unexpected results (see above)")
			os.Exit(1)
		}
	case "comment":
		reports.Comment(os.Stdout, load(dirs))
	default:
		usage()
	}
}

func load(dirs []string) []results.Run {
	var runs []results.Run
	for _, d := range dirs {
		r, err := results.LoadAll(d)
		if err != nil {
			fail(err)
		}
		runs = append(runs, r...)
	}
	return runs
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: reports check|gate [-require-run]|comment [results-dir...]")
	os.Exit(2)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "reports:", err)
	os.Exit(1)
}
