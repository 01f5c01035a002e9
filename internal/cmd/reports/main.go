// Command reports reads the run records under one or more results
// folders (each holding <label>/verdict.json) for a CI:
//
//	reports check   DIR...  validate junit.xml, cucumber.json and verdict.json against their schemas
//	reports gate    [-sdk S -runtime R -transport T] DIR...
//	                        list each run; exit 1 on any unexpected result, any build that
//	                        did not run, and any asked configuration (S on R × T) without a record
//	reports comment [-compare parity.json] DIR...
//	                        the pull-request comment (Markdown) on stdout
//	reports sdk-version -sdk S [-pr N] DIR
//	                        the version a build of the SDK checkout DIR is judged as:
//	                        the newest release tag it descends from, as a later build (1.0.17+pr.123)
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"conformance/internal/contract"
	"conformance/internal/dashboard"
	"conformance/internal/reports"
	"conformance/internal/results"
	"conformance/internal/sdk"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	cmd, args := os.Args[1], os.Args[2:]
	flags := flag.NewFlagSet(cmd, flag.ExitOnError)
	sdkName := flags.String("sdk", "", "gate: the SDK asked for (with -runtime and -transport: each configuration must have a record); sdk-version: the SDK")
	runtimes := flags.String("runtime", "", "gate: the runtimes asked for, as RUNTIME takes them (fake,real)")
	transports := flags.String("transport", "", "gate: the transports asked for, as TRANSPORT takes them (tcp,stdio)")
	compare := flags.String("compare", "", "comment: a parity.json of the suite's scheduled run to compare with")
	features := flags.String("features", "features", "comment: the feature files, which state the rules")
	pr := flags.String("pr", "", "sdk-version: the pull request's number; empty: the commit names the build")
	// What -require-run asked for is what the gate always does now; the
	// flag is taken so that older command lines still run.
	_ = flags.Bool("require-run", true, "gate: ignored: a build that did not run always fails the gate")
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
		if !reports.Gate(os.Stdout, runs, reports.ParseAsked(*sdkName, *runtimes, *transports)) {
			fmt.Fprintln(os.Stderr, "reports: unexpected results, or configurations that did not run (see above)")
			os.Exit(1)
		}
	case "comment":
		in, err := dashboard.Load(dirs, true)
		if err != nil {
			fail(err)
		}
		ci := reports.CommentInput{Runs: in.Runs, Diffs: map[string]string{}}
		for _, r := range in.Runs {
			if r.ExpectationsDiff != "" {
				if b, err := os.ReadFile(filepath.Join(r.Dir, r.ExpectationsDiff)); err == nil {
					ci.Diffs[r.Label] = string(b)
				}
			}
		}
		if *compare != "" {
			b, err := os.ReadFile(*compare)
			if err != nil {
				fail(err)
			}
			var p dashboard.Parity
			if err := json.Unmarshal(b, &p); err != nil {
				fail(fmt.Errorf("%s: %w", *compare, err))
			}
			if ci.Rules, err = contract.Load(*features); err != nil {
				fail(err)
			}
			ci.Compare, ci.CompareFrom = &p, fmt.Sprintf("parity.json of %s, suite %s", p.Generated, p.SuiteVersion)
		}
		if err := reports.Comment(os.Stdout, ci); err != nil {
			fail(err)
		}
	case "sdk-version":
		s, err := sdk.Lookup(*sdkName)
		if err != nil {
			fail(err)
		}
		v, from, err := s.BuildVersion(dirs[0], *pr)
		if err != nil {
			fail(err)
		}
		fmt.Fprintf(os.Stderr, "reports: %s is %s %s (%s)\n", dirs[0], *sdkName, v, from)
		fmt.Println(v)
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
	fmt.Fprintln(os.Stderr, "usage: reports check|gate [-sdk S -runtime R -transport T]|comment [-compare parity.json]|sdk-version -sdk S [-pr N] [dir...]")
	os.Exit(2)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "reports:", err)
	os.Exit(1)
}
