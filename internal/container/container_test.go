package container

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"conformance/internal/driver"
	"conformance/internal/fakeruntime"
	"conformance/internal/wirelog"
)

// The tests that need an engine start one with docker/engine.sh (as root,
// on these machines) and the base images with docker/base-images.sh
// (local stand-ins where no registry answers). They skip only when docker
// is not installed at all.

var repoRoot = func() string {
	abs, err := filepath.Abs("../..")
	if err != nil {
		panic(err)
	}
	return abs
}()

var (
	setupOnce sync.Once
	setupErr  error
)

// needEngine skips the test when docker is not installed, fails it when
// no engine can be had, and otherwise makes sure the named base images (or
// SDK Dockerfiles' bases) exist.
func needEngine(t *testing.T, bases ...string) {
	t.Helper()
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("docker is not installed (apt-get install docker.io): the container runner cannot be tested here")
	}
	setupOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		setupErr = EnsureEngine(ctx, repoRoot)
	})
	if setupErr != nil {
		t.Fatalf("no Docker engine: %v", setupErr)
	}
	if len(bases) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, "bash", append([]string{filepath.Join(repoRoot, "docker", "base-images.sh")}, bases...)...).CombinedOutput()
		t.Logf("docker/base-images.sh %s:\n%s", strings.Join(bases, " "), out)
		if err != nil {
			t.Fatalf("docker/base-images.sh %s: %v", strings.Join(bases, " "), err)
		}
	}
}

var (
	echoOnce sync.Once
	echoRef  string
	echoErr  error
)

// echoImage builds testdata/echo once per test binary.
func echoImage(t *testing.T) string {
	t.Helper()
	needEngine(t, "debian:bookworm-slim")
	echoOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		var img Image
		img, echoErr = Build(ctx, BuildSpec{Root: "testdata/echo", Dockerfile: "Dockerfile", Include: []string{"echo.sh"}, Repo: "conformance-test-echo", Log: testLog{t}})
		echoRef = img.Ref
	})
	if echoErr != nil {
		t.Fatal(echoErr)
	}
	return echoRef
}

type testLog struct{ t *testing.T }

func (l testLog) Write(b []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// run starts the echo image with a label unique to the test, so the test
// can ask the engine what is left of it.
func run(t *testing.T, image string) (*Process, string) {
	t.Helper()
	mark := fmt.Sprintf("%s-%d", t.Name(), time.Now().UnixNano())
	mark = strings.NewReplacer("/", "-", " ", "-").Replace(mark)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := Run(ctx, RunOptions{Image: image, Labels: map[string]string{"conformance.test": mark}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = p.Terminate(ctx)
	})
	return p, mark
}

// leftOver lists, as `docker ps -a` does, the containers still carrying mark.
func leftOver(t *testing.T, mark string) string {
	t.Helper()
	out, err := exec.Command("docker", "ps", "-a", "-q", "--filter", "label=conformance.test="+mark).CombinedOutput()
	if err != nil {
		t.Fatalf("docker ps -a: %v: %s", err, out)
	}
	return strings.TrimSpace(string(out))
}

func waitExited(t *testing.T, p *Process, within time.Duration) {
	t.Helper()
	select {
	case <-p.Exited:
	case <-time.After(within):
		t.Fatalf("%s not seen ending within %s", p, within)
	}
}

func TestLinesRoundTripThroughAttachedStdio(t *testing.T) {
	p, mark := run(t, echoImage(t))
	out := bufio.NewReader(p.Stdout)
	errs := bufio.NewReader(p.Stderr)
	for _, line := range []string{`{"id":1,"cmd":"hello"}`, "second line", strings.Repeat("x", 100_000)} {
		if _, err := io.WriteString(p.Stdin, line+"\n"); err != nil {
			t.Fatal(err)
		}
		got, err := readLine(out, 10*time.Second)
		if err != nil {
			t.Fatalf("reading the echo of %.40q: %v", line, err)
		}
		if got != line {
			t.Fatalf("stdout: got %.60q, want %.60q", got, line)
		}
	}
	// stderr arrives on its own stream.
	var stderrLines []string
	for len(stderrLines) < 3 {
		l, err := readLine(errs, 10*time.Second)
		if err != nil {
			t.Fatalf("stderr after %q: %v", stderrLines, err)
		}
		stderrLines = append(stderrLines, l)
	}
	if stderrLines[0] != "echo: started" || stderrLines[1] != `stderr: {"id":1,"cmd":"hello"}` {
		t.Fatalf("stderr: %q", stderrLines)
	}

	// EOF on stdin ends the program, and the engine removes the container.
	if err := p.Stdin.Close(); err != nil {
		t.Fatal(err)
	}
	waitExited(t, p, 20*time.Second)
	if err := p.ExitErr(); err != nil {
		t.Fatalf("exit after EOF: %v", err)
	}
	if rest, _ := io.ReadAll(errs); !strings.Contains(string(rest), "echo: EOF on stdin") {
		t.Fatalf("stderr after EOF: %q", rest)
	}
	if left := leftOver(t, mark); left != "" {
		t.Fatalf("container %s still there after it ended", left)
	}
}

func TestTerminateRemovesARunningContainer(t *testing.T) {
	p, mark := run(t, echoImage(t))
	if leftOver(t, mark) == "" {
		t.Fatal("docker ps -a does not show the running container")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	if err := p.Terminate(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("Terminate took %s", time.Since(start).Round(time.Millisecond))
	if left := leftOver(t, mark); left != "" {
		t.Fatalf("docker ps -a still shows %s after Terminate", left)
	}
	select {
	case <-p.Exited:
	default:
		t.Fatal("Exited not closed after Terminate")
	}
	if err := p.Terminate(ctx); err != nil {
		t.Fatalf("a second Terminate: %v", err)
	}
}

func TestAContainerKilledMidRunIsReported(t *testing.T) {
	p, mark := run(t, echoImage(t))
	if _, err := io.WriteString(p.Stdin, "ping\n"); err != nil {
		t.Fatal(err)
	}
	if got, err := readLine(bufio.NewReader(p.Stdout), 10*time.Second); err != nil || got != "ping" {
		t.Fatalf("echo: %q, %v", got, err)
	}
	if out, err := exec.Command("docker", "kill", p.ID).CombinedOutput(); err != nil {
		t.Fatalf("docker kill: %v: %s", err, out)
	}
	waitExited(t, p, 20*time.Second)
	var exit *ExitError
	if err := p.ExitErr(); !errors.As(err, &exit) || exit.Code != 137 {
		t.Fatalf("ExitErr after docker kill: %v, want exit status 137", err)
	}
	if left := leftOver(t, mark); left != "" {
		t.Fatalf("killed container %s not removed", left)
	}
	// Writing to a dead container fails rather than blocks.
	done := make(chan error, 1)
	go func() {
		var err error
		for i := 0; i < 100 && err == nil; i++ {
			_, err = io.WriteString(p.Stdin, "more\n")
			time.Sleep(10 * time.Millisecond)
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Log("writes to the dead container's stdin did not fail (buffered by the connection)")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("writing to a killed container's stdin blocked")
	}
}

func TestExitStatus(t *testing.T) {
	p, _ := run(t, echoImage(t))
	if _, err := io.WriteString(p.Stdin, "exit 3\n"); err != nil {
		t.Fatal(err)
	}
	waitExited(t, p, 20*time.Second)
	var exit *ExitError
	if err := p.ExitErr(); !errors.As(err, &exit) || exit.Code != 3 {
		t.Fatalf("ExitErr: %v, want exit status 3", err)
	}
}

// RunOptions.Files are in the container, with their mode, before its
// program starts.
func TestFilesAreCopiedInBeforeTheStart(t *testing.T) {
	img := echoImage(t)
	host := filepath.Join(t.TempDir(), "tool")
	if err := os.WriteFile(host, []byte("#!/bin/sh\necho tool ran\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := Run(ctx, RunOptions{Image: img, Files: map[string]string{"/opt/suite/bin/tool": host}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Terminate(context.Background()) })
	out := bufio.NewReader(p.Stdout)
	if _, err := io.WriteString(p.Stdin, "cat /opt/suite/bin/tool\n"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"#!/bin/sh", "echo tool ran"} {
		if got, err := readLine(out, 10*time.Second); err != nil || got != want {
			t.Fatalf("cat of the copied file: %q, %v; want %q", got, err, want)
		}
	}
	if _, err := Run(ctx, RunOptions{Image: img, Files: map[string]string{"/x": filepath.Join(t.TempDir(), "missing")}}); err == nil {
		t.Fatal("no error for a file that does not exist")
	}
}

func TestRemoveAllRemovesEveryContainerOfItsRun(t *testing.T) {
	img := echoImage(t)
	a, markA := run(t, img)
	b, markB := run(t, img)
	// A run beside this one on the same engine (make test runs container
	// builds side by side): its container stays.
	ctx0, cancel0 := context.WithTimeout(context.Background(), time.Minute)
	defer cancel0()
	otherMark := fmt.Sprintf("other-run-%d", time.Now().UnixNano())
	other, err := Run(ctx0, RunOptions{Image: img, Labels: map[string]string{"conformance.test": otherMark, RunLabelKey: "another-run"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = other.Terminate(ctx)
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, err := RemoveAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n < 2 {
		t.Fatalf("RemoveAll removed %d containers, want at least 2", n)
	}
	waitExited(t, a, 20*time.Second)
	waitExited(t, b, 20*time.Second)
	for _, mark := range []string{markA, markB} {
		if left := leftOver(t, mark); left != "" {
			t.Fatalf("%s left after RemoveAll", left)
		}
	}
	if leftOver(t, otherMark) == "" {
		t.Fatal("RemoveAll removed the container of another run")
	}
}

func TestBuildReusesAnImageWhoseInputsAreUnchanged(t *testing.T) {
	ref := echoImage(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	img, err := Build(ctx, BuildSpec{Root: "testdata/echo", Dockerfile: "Dockerfile", Include: []string{"echo.sh"}, Repo: "conformance-test-echo"})
	if err != nil {
		t.Fatal(err)
	}
	if !img.Reused || img.Ref != ref {
		t.Fatalf("second build: %+v, want a reuse of %s", img, ref)
	}
	t.Logf("cached build took %s", img.Took)
}

// TestDriversInContainers builds each SDK's driver image from docker/ and
// checks that the driver answers hello over attached stdio and connects to
// a fake runtime on the host's loopback. CONTAINER_TEST_SDKS picks the
// SDKs (default: every docker/<sdk>.Dockerfile; "none" skips, saying so).
func TestDriversInContainers(t *testing.T) {
	var sdks []string
	switch env := os.Getenv("CONTAINER_TEST_SDKS"); env {
	case "":
		files, _ := filepath.Glob(filepath.Join(repoRoot, "docker", "*.Dockerfile"))
		for _, f := range files {
			sdks = append(sdks, strings.TrimSuffix(filepath.Base(f), ".Dockerfile"))
		}
	case "none":
		t.Skip("CONTAINER_TEST_SDKS=none")
	default:
		sdks = strings.Split(env, ",")
	}
	for _, sdk := range sdks {
		t.Run(sdk, func(t *testing.T) {
			needEngine(t, sdk)
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
			defer cancel()
			spec := DriverSpec(repoRoot, sdk, "", nil)
			spec.Log = testLog{t}
			img, err := Build(ctx, spec)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("image %s (reused: %v) in %s", img.Ref, img.Reused, img.Took.Round(time.Millisecond))

			rt, err := fakeruntime.Start()
			if err != nil {
				t.Fatal(err)
			}
			defer rt.Close()
			d, err := StartDriver(ctx, img.Ref, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			callCtx, cancelCall := context.WithTimeout(ctx, 30*time.Second)
			defer cancelCall()
			hello, err := d.Hello(callCtx)
			if err != nil {
				t.Fatal(err)
			}
			if hello.SDK != sdk || hello.SDKVersion == "" {
				t.Fatalf("hello: %+v", hello)
			}
			t.Logf("hello: %+v", hello)
			if err := d.Connect(callCtx, rt.Addr(), ""); err != nil {
				t.Fatalf("connect to the fake runtime at %s: %v\n%s", rt.Addr(), err, d.Stderr())
			}
			id, err := d.CreateSession(callCtx, driver.SessionSpec{Ref: "A", Model: "gpt-4o", Provider: &driver.Provider{
				Type: "openai", BaseURL: "http://127.0.0.1:9/v1",
				Callback: driver.Tokens("tok-{n}"),
			}})
			if err != nil {
				t.Fatalf("createSession: %v", err)
			}
			creates := rt.Log().Requests(wirelog.SDKToRuntime, "session.create")
			if len(creates) != 1 || !strings.Contains(strings.ReplaceAll(string(creates[0].Params), " ", ""), `"hasBearerTokenProvider":true`) {
				t.Fatalf("session.create on the wire: %+v", creates)
			}
			t.Logf("session %s created over the host's loopback (%s)", id, rt.Addr())
			if err := d.Disconnect(callCtx); err != nil {
				t.Fatal(err)
			}

			// Over stdio: the SDK in the container spawns the static shim,
			// copied in at a path only the container has.
			if !hello.Has("stdio") {
				t.Logf("%s: no stdio capability, stdio not checked", sdk)
				return
			}
			shim, err := StdioShim(ctx, repoRoot, nil)
			if err != nil {
				t.Fatal(err)
			}
			const inside = "/opt/conformance/stdioshim"
			ds, err := StartDriver(ctx, img.Ref, map[string]string{inside: shim})
			if err != nil {
				t.Fatal(err)
			}
			defer ds.Close()
			// The stdio part's calls get a bound of their own: building the
			// static shim above may take most of the first one on a loaded
			// machine.
			callCtx, cancelCall = context.WithTimeout(ctx, 30*time.Second)
			defer cancelCall()
			if _, err := ds.Hello(callCtx); err != nil {
				t.Fatal(err)
			}
			if err := ds.Connect(callCtx, rt.Addr(), inside); err != nil {
				t.Fatalf("connect over stdio through %s: %v\n%s", inside, err, ds.Stderr())
			}
			if _, err := ds.CreateSession(callCtx, driver.SessionSpec{Ref: "B", Model: "gpt-4o", Provider: &driver.Provider{
				Type: "openai", BaseURL: "http://127.0.0.1:9/v1", Callback: driver.Tokens("tok-{n}"),
			}}); err != nil {
				t.Fatalf("createSession over stdio: %v\n%s", err, ds.Stderr())
			}
			if n := len(rt.Log().Requests(wirelog.SDKToRuntime, "session.create")); n != 2 {
				t.Fatalf("session.create on the wire after the stdio session: %d, want 2", n)
			}
			t.Logf("session created over stdio through the shim at %s", inside)
		})
	}
}

func readLine(r *bufio.Reader, within time.Duration) (string, error) {
	type result struct {
		s   string
		err error
	}
	ch := make(chan result, 1)
	go func() {
		s, err := r.ReadString('\n')
		ch <- result{strings.TrimSuffix(s, "\n"), err}
	}()
	select {
	case res := <-ch:
		return res.s, res.err
	case <-time.After(within):
		return "", fmt.Errorf("no line within %s", within)
	}
}
