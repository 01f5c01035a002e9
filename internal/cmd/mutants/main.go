// Command mutants runs the mutant check for each SDK named (make mutants):
// copies of its pinned release broken one rule at a time, each of which
// the suite must catch, and the unpatched copy, which must pass. It prints
// a score table per SDK, writes results/mutants/<sdk>.json, and exits
// non-zero when a copy was not told apart.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
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
	atOnce := flag.Int("at-once", 1, "how many SDKs' mutants run side by side, each SDK in a process of its own (each SDK's own mutants run one after another: they edit one copy of its SDK)")
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
	if *atOnce < 1 {
		fail("-at-once %d: at least 1", *atOnce)
	}
	ok := true
	if *atOnce > 1 && len(builds) > 1 && !*check {
		ok = runApart(ctx, builds, *atOnce, append(os.Args[1:], "-part", strconv.Itoa(n)))
	} else {
		for _, b := range builds {
			ok = runSDK(ctx, b, abs, resultsDir, *check, split, n) && ok
		}
	}
	if !ok {
		os.Exit(1)
	}
}

// runApart runs each SDK's mutants in a process of its own, atOnce at a
// time, and prints each one's output whole when it ends. Each SDK's
// mutants edit one copy of that SDK in turn, so an SDK's runs are one
// after another; different SDKs' copies, drivers and results are apart.
// Processes, not goroutines: a suite run stops every process group its
// process started when it ends (procgroup.KillAll, its safety net), which
// would stop another SDK's drivers mid-run. A child shares this process's
// group, so Ctrl-C reaches it as it reaches this one.
func runApart(ctx context.Context, builds []build.Build, atOnce int, args []string) bool {
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "mutants: %v\n", err)
		return false
	}
	var (
		mu   sync.Mutex
		ok   = true
		wg   sync.WaitGroup
		sema = make(chan struct{}, atOnce)
	)
	for _, b := range builds {
		wg.Add(1)
		sema <- struct{}{}
		go func() {
			defer func() { <-sema; wg.Done() }()
			var out bytes.Buffer
			cmd := exec.CommandContext(ctx, self, append(append([]string(nil), args...), "-sdk", b.String(), "-at-once", "1")...)
			cmd.Stdout, cmd.Stderr = &out, &out
			cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
			cmd.WaitDelay = 30 * time.Second
			err := cmd.Run()
			mu.Lock()
			defer mu.Unlock()
			os.Stdout.Write(out.Bytes())
			if err != nil {
				fmt.Fprintf(os.Stderr, "mutants: %s: %v\n", b, err)
				ok = false
			}
		}()
	}
	wg.Wait()
	return ok
}

// runSDK runs (or with check, checks) one SDK's mutants and reports
// whether the suite told every copy apart.
func runSDK(ctx context.Context, b build.Build, abs, resultsDir string, check bool, split map[string]int, n int) bool {
	name := b.SDK
	logPath := filepath.Join(resultsDir, name+".log")
	log, err := os.Create(logPath)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mutants: %s: %v\n", name, err)
		return false
	}
	o := mutants.Options{SDK: name, Root: abs, Progress: os.Stdout, Log: log, Version: b.Version, Source: b.Source}
	if o.Source != "" {
		if o.Source, err = filepath.Abs(o.Source); err != nil {
			fmt.Fprintf(os.Stderr, "mutants: %s: %v\n", name, err)
			return false
		}
	}
	if check {
		err := mutants.Check(ctx, o)
		log.Close()
		if err != nil {
			fmt.Fprintf(os.Stderr, "mutants: %s: %v\n", name, err)
			return false
		}
		fmt.Printf("%s: every mutant applies\n", name)
		return true
	}
	if p := split[name]; p > 1 {
		o.Parts, o.Part = p, n%p
	}
	score, err := mutants.Run(ctx, o)
	log.Close()
	if err != nil {
		fmt.Fprintf(os.Stderr, "mutants: %s: %v (the runs' output: %s)\n", name, err, logPath)
		return false
	}
	score.Print(os.Stdout)
	if err := score.Write(resultsDir); err != nil {
		fmt.Fprintf(os.Stderr, "mutants: %s: %v\n", name, err)
		return false
	}
	if !score.OK() {
		fmt.Printf("  %s: the suite did not tell every copy apart; the runs' output is in %s\n", name, logPath)
		return false
	}
	return true
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
