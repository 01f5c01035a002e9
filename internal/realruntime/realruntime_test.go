// These tests watch processes through signals and /proc, and the real
// runtime package is published for Linux only: they run on Linux.
//go:build linux

package realruntime

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/jsonrpc"
	"conformance/internal/procgroup"
	"conformance/internal/tailbuf"
)

// The test binary doubles as a stand-in runtime and as a stand-in suite
// that crashes: re-executed with one of these variables set, it plays that
// part instead of running the tests. A Go stand-in, unlike a shell script,
// can answer the connect handshake Start makes.
const (
	standinEnv = "REALRUNTIME_TEST_STANDIN" // the runtime's part: serve, exit, silent, mute, child
	starterEnv = "REALRUNTIME_TEST_STARTER" // a suite that starts a runtime, then is killed or panics
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(standinEnv); mode != "" {
		standin(mode)
		return
	}
	if os.Getenv(starterEnv) != "" {
		starter()
		return
	}
	os.Exit(m.Run())
}

// standin plays the runtime. It reports what it was given on stderr, one
// "key=value" a line, for the tests to read from Output().
func standin(mode string) {
	wd, _ := os.Getwd()
	fmt.Fprintf(os.Stderr, "args=%s\ncwd=%s\n", strings.Join(os.Args[1:], " "), wd)
	for _, k := range []string{"HOME", "COPILOT_HOME", "COPILOT_DISABLE_KEYTAR", "COPILOT_PROVIDER_BASE_URL", "GITHUB_TOKEN", "XDG_CACHE_HOME", "EXTRA"} {
		v, ok := os.LookupEnv(k)
		if !ok {
			v = "<unset>"
		}
		fmt.Fprintf(os.Stderr, "env %s=%s\n", k, v)
	}
	switch mode {
	case "exit":
		fmt.Fprintln(os.Stderr, "no auth configured")
		os.Exit(3)
	case "silent":
		fmt.Println("starting")
		time.Sleep(time.Hour)
		return
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.Exit(4)
	}
	if mode == "child" {
		// A lingering child of its own, as a runtime's tool process would be.
		child := exec.Command("sleep", "300")
		_ = child.Start()
		fmt.Fprintf(os.Stderr, "child=%d\n", child.Process.Pid)
	}
	// Split over two writes, as a pipe may deliver it.
	fmt.Print("CLI server listening on ")
	fmt.Printf("port %d\n", ln.Addr().(*net.TCPAddr).Port)
	var shuttingDown atomic.Bool
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			if mode == "mute" {
				time.Sleep(time.Hour)
			}
			r := bufio.NewReader(c)
			for {
				body, err := jsonrpc.ReadFrame(r, 0)
				if err != nil {
					return
				}
				var req struct {
					ID     json.RawMessage
					Method string
					Params map[string]any
				}
				_ = json.Unmarshal(body, &req)
				// As the real runtime does: after runtime.shutdown, from
				// any client, every request gets an error.
				if shuttingDown.Load() {
					_ = jsonrpc.WriteFrame(c, []byte(fmt.Sprintf(
						`{"jsonrpc":"2.0","id":%s,"error":{"code":-32000,"message":"SERVER_SHUTTING_DOWN"}}`, req.ID)))
					continue
				}
				if req.Method == "runtime.shutdown" {
					shuttingDown.Store(true)
					_ = jsonrpc.WriteFrame(c, []byte(fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"result":{}}`, req.ID)))
					continue
				}
				// A runtime older than connect knows only ping.
				if mode == "ping-only" && req.Method == "connect" {
					_ = jsonrpc.WriteFrame(c, []byte(fmt.Sprintf(
						`{"jsonrpc":"2.0","id":%s,"error":{"code":-32601,"message":"Method not found: connect"}}`, req.ID)))
					continue
				}
				token, _ := req.Params["token"].(string)
				// A notification first: the handshake must skip it.
				_ = jsonrpc.WriteFrame(c, []byte(`{"jsonrpc":"2.0","method":"session.lifecycle","params":{}}`))
				_ = jsonrpc.WriteFrame(c, []byte(fmt.Sprintf(
					`{"jsonrpc":"2.0","id":%s,"result":{"ok":true,"protocolVersion":3,"version":"standin-1+%s"}}`, req.ID, token)))
			}
		}()
	}
}

// starter plays a suite: it starts a runtime (a stand-in, or the real one
// when REALRUNTIME_TEST_BINARY is set), prints the runtime's pid, then
// waits to be killed, interrupted, or told to panic on stdin.
func starter() {
	opts := []Option{WithBinary(os.Getenv("REALRUNTIME_TEST_BINARY"))}
	if os.Getenv("REALRUNTIME_TEST_BINARY") == "" {
		self, _ := os.Executable()
		opts = []Option{WithBinary(self), WithEnv(standinEnv + "=serve")}
	}
	r, err := Start(context.Background(), opts...)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Println(r.Pid(), r.dir)
	line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	if strings.TrimSpace(line) == "panic" {
		panic("the suite crashed")
	}
	time.Sleep(time.Hour)
}

func self(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	return exe
}

func startStandin(t *testing.T, mode string, opts ...Option) (*Runtime, error) {
	t.Helper()
	return Start(context.Background(), append([]Option{WithBinary(self(t)), WithEnv(standinEnv + "=" + mode)}, opts...)...)
}

// alive reports whether pid is a live process (not a zombie).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	return err == nil && !strings.Contains(string(stat), ") Z ")
}

// waitGone waits, bounded, for pid to end.
func waitGone(t *testing.T, pid int, what string) {
	t.Helper()
	require.Eventually(t, func() bool { return !alive(pid) }, 10*time.Second, 20*time.Millisecond,
		"%s (pid %d) still running 10s later", what, pid)
}

func outputValue(out, key string) string {
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, key+"="); ok {
			return v
		}
	}
	return ""
}

func TestStartListensHandshakesAndCloseCleansUp(t *testing.T) {
	t.Setenv("COPILOT_PROVIDER_BASE_URL", "http://example.invalid") // must not reach the runtime
	t.Setenv("GITHUB_TOKEN", "ghs_secret")
	t.Setenv("XDG_CACHE_HOME", "/somewhere/else")
	r, err := startStandin(t, "serve", WithEnv("EXTRA=1"))
	require.NoError(t, err)
	defer r.Close()

	assert.Regexp(t, `^127\.0\.0\.1:\d+$`, r.Addr())
	assert.Equal(t, "standin-1+", r.Version(), "the version from the connect answer")
	assert.Equal(t, 3, r.ProtocolVersion())
	assert.Equal(t, "", r.PackageVersion(), "a binary outside the npm package")
	out := r.Output()
	assert.Contains(t, out, "listening on port")
	assert.Equal(t, "--headless --no-auto-update --no-auto-login --port 0", outputValue(out, "args"))
	home := outputValue(out, "env HOME")
	assert.Equal(t, filepath.Join(home, ".copilot"), outputValue(out, "env COPILOT_HOME"))
	assert.Equal(t, "1", outputValue(out, "env COPILOT_DISABLE_KEYTAR"))
	for _, k := range []string{"COPILOT_PROVIDER_BASE_URL", "GITHUB_TOKEN", "XDG_CACHE_HOME"} {
		assert.Equal(t, "<unset>", outputValue(out, "env "+k), "%s is not passed to the runtime", k)
	}
	assert.Equal(t, "1", outputValue(out, "env EXTRA"))
	cwd := outputValue(out, "cwd")
	assert.DirExists(t, cwd)
	assert.NotEqual(t, home, cwd)
	entries, _ := os.ReadDir(cwd)
	assert.Empty(t, entries, "the runtime runs in an empty directory")

	// A connection after the handshake's is served.
	c, err := net.DialTimeout("tcp", r.Addr(), 5*time.Second)
	require.NoError(t, err)
	c.Close()

	pid := r.Pid()
	require.NoError(t, r.Close())
	require.NoError(t, r.Close(), "Close twice is harmless")
	assert.False(t, alive(pid))
	assert.NoDirExists(t, home, "its home is removed")
	assert.NoDirExists(t, cwd, "its working directory is removed")
	select {
	case <-r.Exited():
	default:
		t.Error("Exited is not closed after Close")
	}
}

func TestTheHandshakeFallsBackToPingForAnOlderRuntime(t *testing.T) {
	r, err := startStandin(t, "ping-only")
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close() })
	assert.Equal(t, "standin-1+", r.Version(), "the version from the ping answer")
	assert.Equal(t, 3, r.ProtocolVersion())
}

func TestCheckSeesARuntimeThatShutDownOrExited(t *testing.T) {
	r, err := startStandin(t, "serve")
	require.NoError(t, err)
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, r.Check(ctx))

	// Some client asks it to shut down.
	c, err := net.DialTimeout("tcp", r.Addr(), 5*time.Second)
	require.NoError(t, err)
	require.NoError(t, jsonrpc.WriteFrame(c, []byte(`{"jsonrpc":"2.0","id":9,"method":"runtime.shutdown","params":{}}`)))
	_, err = jsonrpc.ReadFrame(bufio.NewReader(c), 0)
	require.NoError(t, err)
	c.Close()
	err = r.Check(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "SERVER_SHUTTING_DOWN")

	require.NoError(t, syscall.Kill(r.Pid(), syscall.SIGKILL))
	<-r.Exited()
	err = r.Check(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "its process has exited (signal: killed)")
}

func TestWithEnvOverridesAndTheConnectionTokenIsSent(t *testing.T) {
	r, err := startStandin(t, "serve", WithEnv("COPILOT_CONNECTION_TOKEN=s3cret", "HOME=/elsewhere"))
	require.NoError(t, err)
	defer r.Close()
	assert.Equal(t, "standin-1+s3cret", r.Version(), "the handshake carries the token the runtime was given")
	assert.Equal(t, "/elsewhere", outputValue(r.Output(), "env HOME"))
}

func TestStartFailures(t *testing.T) {
	tests := []struct {
		name    string
		mode    string
		timeout time.Duration
		want    []string
	}{
		{name: "exits before listening", mode: "exit", timeout: 10 * time.Second,
			want: []string{"exited before listening", "exit status 3", "no auth configured"}},
		{name: "never listens", mode: "silent", timeout: 300 * time.Millisecond,
			want: []string{`did not print "listening on port N" within 300ms`, "starting"}},
		{name: "listens but never answers connect", mode: "mute", timeout: 500 * time.Millisecond,
			want: []string{"no answer to connect within 500ms", "listening on port"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := startStandin(t, tt.mode, WithStartupTimeout(tt.timeout))
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.Less(t, time.Since(start), tt.timeout+5*time.Second, "bounded")
			assert.Equal(t, 0, procgroup.Live(), "the failed runtime's group is stopped")
		})
	}
}

func TestStartHonoursContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := Start(ctx, WithBinary(self(t)), WithEnv(standinEnv+"=silent"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "interrupted while waiting")
	assert.Equal(t, 0, procgroup.Live())
}

func TestCloseKillsTheRuntimesChildren(t *testing.T) {
	r, err := startStandin(t, "child")
	require.NoError(t, err)
	child, err := strconv.Atoi(outputValue(r.Output(), "child"))
	require.NoError(t, err)
	require.True(t, alive(child))
	require.NoError(t, r.Close())
	waitGone(t, child, "the runtime's child")
}

// The runtime must not outlive a suite that dies: killed outright
// (SIGKILL: the kernel's parent-death signal), interrupted (procgroup's
// signal handler), or crashed (a panic).
func TestARuntimeDiesWithItsSuite(t *testing.T) {
	for _, how := range []string{"SIGKILL", "SIGTERM", "SIGINT", "panic"} {
		t.Run(how, func(t *testing.T) {
			runStarter(t, how, nil)
		})
	}
}

// runStarter runs a starter, ends it as how says and checks that the
// runtime it started ends too.
func runStarter(t *testing.T, how string, env []string) {
	t.Helper()
	cmd := exec.Command(self(t))
	cmd.Env = append(append(os.Environ(), starterEnv+"=1"), env...)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	defer cmd.Process.Kill()
	exited := make(chan error, 1)
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- strings.TrimSpace(l)
		exited <- cmd.Wait()
	}()
	var pid int
	var dir string
	select {
	case l := <-line:
		pidText, d, _ := strings.Cut(l, " ")
		pid, err = strconv.Atoi(pidText)
		require.NoError(t, err, "the starter's first line: %q", l)
		dir = d
	case <-time.After(60 * time.Second):
		t.Fatal("the starter printed no runtime pid within 60s")
	}
	defer syscall.Kill(-pid, syscall.SIGKILL) // should the test fail: the runtime is ours
	defer os.RemoveAll(dir)                   // a killed suite cannot remove it
	require.True(t, alive(pid))
	switch how {
	case "panic":
		_, err = stdin.Write([]byte("panic\n"))
	default:
		err = cmd.Process.Signal(map[string]syscall.Signal{"SIGKILL": syscall.SIGKILL, "SIGTERM": syscall.SIGTERM, "SIGINT": syscall.SIGINT}[how])
	}
	require.NoError(t, err)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatalf("the starter did not end within 10s of %s", how)
	}
	waitGone(t, pid, "the runtime of a suite ended by "+how)
	if strings.HasPrefix(how, "SIGINT") || strings.HasPrefix(how, "SIGTERM") {
		assert.NoDirExists(t, dir, "an interrupted suite removes the runtime's home")
	}
}

// npmStandin puts a stand-in npm first on PATH: it lays out the package as
// npm would, or fails when FAKE_NPM=fail.
func npmStandin(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	script := `#!/bin/sh
echo "npm $*" >> "$FAKE_NPM_CALLS"
if [ "$FAKE_NPM" = fail ]; then echo "npm error 404 Not Found" >&2; exit 1; fi
for last; do :; done
version=${last##*@}
[ "$FAKE_NPM" = wrong ] && version=9.9.9
pkg=node_modules/@github/copilot-sdk-linux-x64
mkdir -p $pkg/prebuilds/linux-x64
printf '{"name":"@github/copilot-sdk-linux-x64","version":"%s"}' "$version" > $pkg/package.json
printf '#!/bin/sh\n' > $pkg/prebuilds/linux-x64/copilot-runtime
chmod +x $pkg/prebuilds/linux-x64/copilot-runtime
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "npm"), []byte(script), 0o755))
	calls := filepath.Join(dir, "calls")
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("FAKE_NPM_CALLS", calls)
	return calls
}

func TestInstall(t *testing.T) {
	calls := npmStandin(t)
	root := t.TempDir()
	bin, err := Install(context.Background(), root, "1.2.3", nil)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(root, ".cache", "runtime", "1.2.3", binaryInPackage), bin)
	assert.Equal(t, "1.2.3", packageVersion(bin))
	leftovers, _ := filepath.Glob(filepath.Join(root, ".cache", "runtime", ".*"))
	assert.Empty(t, leftovers, "no temporary install directory is left")

	again, err := Install(context.Background(), root, "1.2.3", nil)
	require.NoError(t, err)
	assert.Equal(t, bin, again)
	b, _ := os.ReadFile(calls)
	assert.Equal(t, 1, strings.Count(string(b), "npm install"), "the second Install reuses the first: %s", b)
	assert.Contains(t, string(b), "--save-exact")
	assert.Contains(t, string(b), PackageName+"@1.2.3")
}

func TestInstallFailures(t *testing.T) {
	tests := []struct {
		name, version, npm string
		want               string
	}{
		{name: "a range is not a version", version: "^1.0.14", want: "want an exact version"},
		{name: "a path is not a version", version: "../../etc", want: "want an exact version"},
		{name: "npm fails", version: "1.0.14", npm: "fail", want: "npm error 404 Not Found"},
		{name: "npm installs another version", version: "1.0.14", npm: "wrong", want: `npm installed @github/copilot-sdk-linux-x64@"9.9.9", want 1.0.14`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			npmStandin(t)
			t.Setenv("FAKE_NPM", tt.npm)
			root := t.TempDir()
			_, err := Install(context.Background(), root, tt.version, nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			entries, _ := os.ReadDir(filepath.Join(root, ".cache", "runtime"))
			assert.Empty(t, entries, "a failed install leaves nothing behind")
		})
	}
}

func TestPortWatcher(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		want   string
	}{
		{name: "one write", writes: []string{"CLI server listening on port 41341\n"}, want: "41341"},
		{name: "split mid-number", writes: []string{"noise\nCLI server listening on port 41", "341\nmore\n"}, want: "41341"},
		{name: "first of two", writes: []string{"listening on port 1\nlistening on port 2\n"}, want: "1"},
		{name: "no newline yet", writes: []string{"listening on port 41341"}, want: ""},
		{name: "a very long line before it", writes: []string{strings.Repeat("x", 3*maxLine), "\nlistening on port 7\n"}, want: "7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &portWatcher{out: tailbuf.New(1 << 20), found: make(chan string, 1)}
			for _, s := range tt.writes {
				n, err := w.Write([]byte(s))
				require.NoError(t, err)
				assert.Equal(t, len(s), n, "Write reports the whole write")
			}
			got := ""
			select {
			case got = <-w.found:
			default:
			}
			assert.Equal(t, tt.want, got)
			assert.Equal(t, strings.Join(tt.writes, ""), w.out.String(), "all of the output is kept")
		})
	}
}
