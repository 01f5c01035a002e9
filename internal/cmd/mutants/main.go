// Command mutants runs the mutant check for each SDK named (make mutants):
// copies of its pinned release broken one rule at a time, each of which
// the suite must catch, and the unpatched copy, which must pass. It prints
// a score table per SDK, writes results/mutants/<sdk>.json, and exits
// non-zero when a copy was not told apart.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"conformance/internal/build"
	"conformance/internal/mutants"
	"conformance/internal/procgroup"
)

func main() {
	sdks := flag.String("sdk", "node", "SDK builds whose mutants to run: "+build.Syntax+", comma-separated (a version must be the mutant set's; a source stands for its pinned release)")
	root := flag.String("root", ".", "the suite's checkout")
	parts := flag.String("parts", "", "comma-separated sdk=N: run only one N-th of that SDK's mutants, in rotation (for CI)")
	check := flag.Bool("check", false, "only check that every mutant's edits apply to its SDK; run nothing")
	part := flag.String("part", "", "which part to run (a number, taken modulo N); default: the day of the year, so that consecutive daily runs cover every part")
	flag.Parse()
	defer procgroup.KillAll()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	abs, err := filepath.Abs(*root)
	if err != nil {
		fail("%v", err)
	}
	split, err := parseParts(*parts)
	if err != nil {
		fail("-parts: %v", err)
	}
	n := time.Now().UTC().YearDay()
	if *part != "" {
		if n, err = strconv.Atoi(*part); err != nil || n < 0 {
			fail("-part %q is not a number >= 0", *part)
		}
	}
	resultsDir := filepath.Join(abs, "results", "mutants")
	if err := os.MkdirAll(resultsDir, 0o755); err != nil {
		fail("%v", err)
	}
	builds, err := build.ParseBuilds(*sdks, build.Defaults{})
	if err != nil {
		fail("%v", err)
	}
	ok := true
	for _, b := range builds {
		name := b.SDK
		logPath := filepath.Join(resultsDir, name+".log")
		log, err := os.Create(logPath)
		if err != nil {
			fail("%v", err)
		}
		o := mutants.Options{SDK: name, Root: abs, Progress: os.Stdout, Log: log, Version: b.Version, Source: b.Source}
		if o.Source != "" {
			if o.Source, err = filepath.Abs(o.Source); err != nil {
				fail("%v", err)
			}
		}
		if *check {
			err := mutants.Check(ctx, o)
			log.Close()
			if err != nil {
				fmt.Fprintf(os.Stderr, "mutants: %s: %v\n", name, err)
				ok = false
			} else {
				fmt.Printf("%s: every mutant applies\n", name)
			}
			continue
		}
		if p := split[name]; p > 1 {
			o.Parts, o.Part = p, n%p
		}
		score, err := mutants.Run(ctx, o)
		log.Close()
		if err != nil {
			fmt.Fprintf(os.Stderr, "mutants: %s: %v (the runs' output: %s)\n", name, err, logPath)
			ok = false
			continue
		}
		score.Print(os.Stdout)
		if err := score.Write(resultsDir); err != nil {
			fail("%v", err)
		}
		if !score.OK() {
			fmt.Printf("  %s: the suite did not tell every copy apart; the runs' output is in %s\n", name, logPath)
			ok = false
		}
	}
	if !ok {
		os.Exit(1)
	}
}

func parseParts(s string) (map[string]int, error) {
	parts := map[string]int{}
	for _, entry := range strings.Split(s, ",") {
		if strings.TrimSpace(entry) == "" {
			continue
		}
		name, n, found := strings.Cut(entry, "=")
		count, err := strconv.Atoi(n)
		if !found || err != nil || count < 1 {
			return nil, fmt.Errorf("%q is not sdk=N with N >= 1", entry)
		}
		parts[strings.TrimSpace(name)] = count
	}
	return parts, nil
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "mutants: "+format+"\n", args...)
	procgroup.KillAll()
	os.Exit(1)
}
