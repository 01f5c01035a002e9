// Command sidebyside runs the features for several SDK builds side by
// side (internal/sidebyside): what `make test` runs for its SDK builds.
//
//	go run ./internal/cmd/sidebyside -at-once 3 \
//	  -set 'sdk=node,go,python runtime=fake,real transport=tcp,stdio' \
//	  -set 'sdk=node@1.0.4 runtime=fake,real transport=tcp'
//	go run ./internal/cmd/sidebyside -set 'sdk=node,go runner=container'
//
// Each entry of a set's sdk list is one job: one process that runs that
// build's cells (runtimes x transports) one after the other. Jobs start
// longest first, by the wall times the last run recorded
// (results/test-times.json); builds it did not record start first, as a
// build never timed here is likely a cold one. Each job's wall and CPU
// time is appended to results/times/ (internal/timings).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"conformance/internal/build"
	"conformance/internal/sidebyside"
	"conformance/internal/timings"
)

// defaultAtOnce is -at-once's default, make test's BUILDS_AT_ONCE: the
// knee of the features phase's wall time on two cores (docs/ci.md says how
// it was measured).
const defaultAtOnce = 4

type sets []string

func (s *sets) String() string     { return strings.Join(*s, "; ") }
func (s *sets) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	var given sets
	flag.Var(&given, "set", "'sdk=<entries> runtime=<runtimes> transport=<transports> [runner=container]' (repeatable)")
	atOnce := flag.Int("at-once", defaultAtOnce, "how many builds run at once")
	results := flag.String("results", "results", "the results folder: logs in <results>/logs, timings in <results>/times")
	timeout := flag.Duration("timeout", 60*time.Minute, "the bound of each build's run")
	flag.Parse()
	if err := run(given, *atOnce, *results, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "sidebyside:", err)
		os.Exit(1)
	}
}

func run(given sets, atOnce int, results string, timeout time.Duration) error {
	if atOnce < 1 {
		return fmt.Errorf("-at-once %d: want at least 1", atOnce)
	}
	jobs, err := parseSets(given)
	if err != nil {
		return err
	}
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	results, err = filepath.Abs(results)
	if err != nil {
		return err
	}
	orderLongestFirst(jobs, filepath.Join(results, "test-times.json"))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	binary, removeBinary, err := sidebyside.CompileTestBinary(ctx, root, os.Getenv("GO"), os.Stderr)
	if err != nil {
		return err
	}
	defer removeBinary()
	fmt.Printf("sidebyside: %d builds, at most %d at once\n", len(jobs), atOnce)
	start := time.Now()
	outcomes := sidebyside.Run(ctx, jobs, sidebyside.Options{
		TestBinary: binary, StepsDir: filepath.Join(root, "steps"), AtOnce: atOnce,
		LogDir: filepath.Join(results, "logs"), Timeout: timeout,
	})
	sidebyside.Summary(os.Stdout, outcomes, time.Since(start), atOnce)
	var failed []string
	var errs []error
	for _, o := range outcomes {
		errs = append(errs, timings.Append(timings.Dir(results), timings.Record{
			Kind: timings.Build, Name: o.Job.Name(), Wall: o.Wall.Seconds(), CPU: o.CPU.Seconds(), OK: o.OK}))
		if !o.OK {
			failed = append(failed, o.Job.Name())
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("recording the builds' times: %w", err)
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d builds failed: %s (each one's log is above)", len(failed), len(jobs), strings.Join(failed, ", "))
	}
	return nil
}

// parseSets reads the -set flags into jobs, one per SDK entry.
func parseSets(given sets) ([]sidebyside.Job, error) {
	if len(given) == 0 {
		return nil, errors.New("no -set given: say which builds to run")
	}
	var jobs []sidebyside.Job
	for _, s := range given {
		fields := map[string]string{"runtime": "fake", "transport": "tcp", "runner": "local"}
		for _, kv := range strings.Fields(s) {
			k, v, ok := strings.Cut(kv, "=")
			if _, known := fields[k]; !ok || (!known && k != "sdk") {
				return nil, fmt.Errorf("-set %q: %q is not sdk=, runtime=, transport= or runner=", s, kv)
			}
			fields[k] = v
		}
		if fields["sdk"] == "" {
			return nil, fmt.Errorf("-set %q: no sdk=", s)
		}
		if r := fields["runner"]; r != "local" && r != "container" {
			return nil, fmt.Errorf("-set %q: runner=%s: want local or container", s, r)
		}
		// The one spelling of builds (package build); each is handed on
		// as it spells itself.
		builds, err := build.ParseBuilds(fields["sdk"], build.Defaults{})
		if err != nil {
			return nil, fmt.Errorf("-set %q: %w", s, err)
		}
		for _, b := range builds {
			jobs = append(jobs, sidebyside.Job{Build: b.String(), Runtime: fields["runtime"], Transport: fields["transport"], Runner: fields["runner"]})
		}
	}
	return jobs, nil
}

// orderLongestFirst sorts jobs by the wall time the last run recorded for
// them, longest first; jobs it has no time for go first, in their order.
func orderLongestFirst(jobs []sidebyside.Job, lastReport string) {
	last := map[string]float64{}
	if data, err := os.ReadFile(lastReport); err == nil {
		var r timings.Report
		if json.Unmarshal(data, &r) == nil {
			for _, b := range r.Builds {
				last[b.Name] = b.Wall
			}
		}
	}
	sort.SliceStable(jobs, func(i, j int) bool {
		ti, iKnown := last[jobs[i].Name()]
		tj, jKnown := last[jobs[j].Name()]
		if iKnown != jKnown {
			return !iKnown
		}
		return ti > tj
	})
}
