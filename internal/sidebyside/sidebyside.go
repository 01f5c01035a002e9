// Package sidebyside runs the features for several SDK builds side by
// side, each build in a process of its own, at most a given number at
// once, and measures each one's wall and CPU time.
//
// Why processes and not goroutines in one test: a build's run owns
// process-wide things (the safety net procgroup.KillAll, the driver's
// install folder, its fork server), and a process per build keeps each
// run exactly as `make conformance` runs it alone. The cells of one build
// (runtimes x transports) stay in its process, one after the other, so no
// two processes prepare the same driver at once. What must not overlap
// across processes, the scenarios that measure time (@serial), waits at
// the machine-wide gate (internal/gate).
package sidebyside

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"conformance/internal/procgroup"
)

// Job is one SDK build with the cells it runs: the environment of one
// `make conformance` (SDK, RUNTIME, TRANSPORT).
type Job struct {
	Build     string // one entry of SDK: node, node@1.0.4, java+<archive>
	Runtime   string // fake, real or fake,real
	Transport string // tcp, stdio or tcp,stdio
	Runner    string // local (empty) or container: where its drivers run
}

// Name is the job's name in logs and timings: its build and cells.
func (j Job) Name() string {
	build := j.Build
	if name, source, ok := strings.Cut(build, "+"); ok {
		build = name + "+" + filepath.Base(source) // an archive's path says nothing more
	}
	if j.Runner != "" && j.Runner != "local" {
		return fmt.Sprintf("%s [%s; %s; %s]", build, j.Runtime, j.Transport, j.Runner)
	}
	return fmt.Sprintf("%s [%s; %s]", build, j.Runtime, j.Transport)
}

// Outcome is how a job ended.
type Outcome struct {
	Job  Job
	Wall time.Duration
	// CPU is the user and system time of the job's process and the
	// processes it waited for (drivers, installs, builds, runtimes).
	CPU time.Duration
	OK  bool
	Err error  // why it did not pass: its exit status, or why it did not start
	Log string // where its output is
}

// Options say how to run the jobs.
type Options struct {
	// TestBinary is the compiled test binary of package steps (go test -c),
	// run in StepsDir with -test.run '^TestConformance$'.
	TestBinary, StepsDir string
	// AtOnce is how many jobs run at a time (at least 1).
	AtOnce int
	// LogDir gets one log per job; Output each finished job's log whole,
	// in the order they finish, and a line as each starts.
	LogDir string
	Output io.Writer
	// Env is added to each job's environment (e.g. PARALLEL), before the
	// job's own SDK, RUNTIME and TRANSPORT.
	Env []string
	// Timeout bounds each job (the test binary's -test.timeout).
	Timeout time.Duration
}

// Run runs every job, at most o.AtOnce at a time, the given order being the
// order they start in (put the longest first), and returns their outcomes
// in that order. It runs every job even when one fails, as go test runs
// every subtest; ctx's end stops them all.
func Run(ctx context.Context, jobs []Job, o Options) []Outcome {
	if o.AtOnce < 1 {
		o.AtOnce = 1
	}
	if o.Output == nil {
		o.Output = os.Stdout
	}
	outcomes := make([]Outcome, len(jobs))
	var printing sync.Mutex // one job's log at a time
	slots := make(chan struct{}, o.AtOnce)
	var wg sync.WaitGroup
	for i, job := range jobs {
		slots <- struct{}{}
		printing.Lock()
		fmt.Fprintf(o.Output, "sidebyside: [%d/%d] %s started\n", i+1, len(jobs), job.Name())
		printing.Unlock()
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			out := runOne(ctx, job, o, i)
			outcomes[i] = out
			printing.Lock()
			defer printing.Unlock()
			printLog(o.Output, out)
		}()
	}
	wg.Wait()
	return outcomes
}

var unsafeInName = regexp.MustCompile(`[^A-Za-z0-9@.,_-]+`)

func runOne(ctx context.Context, job Job, o Options, i int) Outcome {
	out := Outcome{Job: job, Log: filepath.Join(o.LogDir, fmt.Sprintf("%02d-%s.log", i+1, strings.Trim(unsafeInName.ReplaceAllString(job.Name(), "_"), "_")))}
	if err := os.MkdirAll(o.LogDir, 0o755); err != nil {
		out.Err = err
		return out
	}
	log, err := os.Create(out.Log)
	if err != nil {
		out.Err = err
		return out
	}
	defer log.Close()
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Minute
	}
	cmd := exec.Command(o.TestBinary, "-test.run", "^TestConformance$", "-test.v", "-test.count=1", "-test.timeout", timeout.String())
	cmd.Dir = o.StepsDir
	cmd.Stdout, cmd.Stderr = log, log
	runner := job.Runner
	if runner == "" {
		runner = "local"
	}
	cmd.Env = append(append(os.Environ(), o.Env...), // later entries win
		"SDK="+job.Build, "RUNTIME="+job.Runtime, "TRANSPORT="+job.Transport, "RUNNER="+runner,
		"SDK_VERSION=", "SDK_SOURCE=", "SDK_SOURCE_VERSION=")
	start := time.Now()
	err = procgroup.Run(ctx, cmd, 5*time.Second)
	out.Wall = time.Since(start)
	if cmd.ProcessState != nil {
		out.CPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	out.OK, out.Err = err == nil, err
	return out
}

// printLog writes a finished job's log under a header line, as go test
// prints a package's output when it ends.
func printLog(w io.Writer, out Outcome) {
	status := "ok"
	if !out.OK {
		status = fmt.Sprintf("FAILED (%v)", out.Err)
	}
	fmt.Fprintf(w, "\n=== sidebyside: %s: %s in %s (CPU %s); log %s\n", out.Job.Name(), status, out.Wall.Round(time.Second), out.CPU.Round(time.Second), out.Log)
	f, err := os.Open(out.Log)
	if err != nil {
		fmt.Fprintf(w, "(its log cannot be read: %v)\n", err)
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		fmt.Fprintln(w, sc.Text())
	}
}

// CompileTestBinary compiles package steps' test binary into root's
// ignored cache, once for every job, and returns its path and what
// removes it. Each call has a binary of its own: two runs side by side
// (make test's features and its container runs) must not write over the
// binary the other is running. goCommand is the go tool to use ("go"
// when empty).
func CompileTestBinary(ctx context.Context, root, goCommand string, log io.Writer) (string, func(), error) {
	if goCommand == "" {
		goCommand = "go"
	}
	dir := filepath.Join(root, ".cache", "bin")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, err
	}
	tmp, err := os.MkdirTemp(dir, "steps-")
	if err != nil {
		return "", nil, err
	}
	remove := func() { os.RemoveAll(tmp) }
	binary := filepath.Join(tmp, "steps.test")
	if runtime.GOOS == "windows" {
		binary += ".exe"
	}
	build := exec.CommandContext(ctx, goCommand, "test", "-c", "-o", binary, "./steps")
	build.Dir, build.Stdout, build.Stderr = root, log, log
	if err := build.Run(); err != nil {
		remove()
		return "", nil, fmt.Errorf("compiling the features' test binary (go test -c ./steps): %w", err)
	}
	return binary, remove, nil
}

// Summary is a table of the outcomes, slowest first.
func Summary(w io.Writer, outcomes []Outcome, wall time.Duration, atOnce int) {
	sorted := append([]Outcome(nil), outcomes...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Wall > sorted[j].Wall })
	var sum time.Duration
	fmt.Fprintf(w, "\n%-60s %-8s %9s %9s\n", "build [runtimes; transports]", "result", "wall", "CPU")
	for _, o := range sorted {
		status := "ok"
		if !o.OK {
			status = "FAILED"
		}
		sum += o.Wall
		fmt.Fprintf(w, "%-60s %-8s %9s %9s\n", o.Job.Name(), status, o.Wall.Round(time.Second), o.CPU.Round(time.Second))
	}
	fmt.Fprintf(w, "%d builds in %s, at most %d at once (their wall times add up to %s)\n", len(outcomes), wall.Round(time.Second), atOnce, sum.Round(time.Second))
}
