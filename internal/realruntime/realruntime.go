// Package realruntime runs the real Copilot runtime, the one the npm
// package @github/copilot-sdk ships for linux-x64
// (@github/copilot-sdk-linux-x64, whose prebuilds/linux-x64/copilot-runtime
// is a native wrapper that needs no particular Node version), offline:
// headless, no auto-update, no login, on a loopback port, in a temporary
// home of its own. BYOK sessions against a loopback model endpoint need
// nothing else.
package realruntime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/sourcegraph/jsonrpc2"

	"conformance/internal/jsonrpc"
	"conformance/internal/procgroup"
	"conformance/internal/tailbuf"
)

// DefaultVersion is the package version pinned by default: the one that
// @github/copilot-sdk 1.0.14 depends on (runtime 1.0.85).
const DefaultVersion = "1.0.14"

// PackageName is the npm package that carries the runtime for linux-x64.
const PackageName = "@github/copilot-sdk-linux-x64"

// DefaultStartupTimeout bounds the wait for the runtime to listen and
// answer its first connect. Measured: 10 to 35 ms for both, on a warm
// page cache; the bound is for a cold disk and a loaded CI machine.
const DefaultStartupTimeout = 60 * time.Second

// installTimeout bounds npm install: a registry that hangs must not hang
// the suite.
const installTimeout = 10 * time.Minute

// stopGrace is how long Close waits after SIGTERM before SIGKILL. Measured:
// the runtime exits cleanly (status 0) about 25 ms after SIGTERM.
const stopGrace = 3 * time.Second

// binaryInPackage is where the runtime sits inside the installed package.
var binaryInPackage = filepath.Join("node_modules", "@github", "copilot-sdk-linux-x64", "prebuilds", "linux-x64", "copilot-runtime")

// exactVersion is what WithVersion accepts: an exact npm version. A range
// or a dist-tag would make the cache directory lie about what it holds, and
// the version is part of a path.
var exactVersion = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`)

// listening is the line the runtime prints once it accepts connections
// ("CLI server listening on port 41341"); the Node SDK matches the same.
var listening = regexp.MustCompile(`(?i)listening on port (\d+)`)

type config struct {
	version string
	binary  string
	root    string
	env     []string
	log     io.Writer
	startup time.Duration
}

// Option configures Start.
type Option func(*config)

// WithVersion picks another exact version of the runtime package.
func WithVersion(v string) Option { return func(c *config) { c.version = v } }

// WithBinary runs this copilot-runtime binary instead of installing one.
func WithBinary(path string) Option { return func(c *config) { c.binary = path } }

// WithRoot is the suite's checkout: the package is installed under its
// ignored .cache/runtime/<version>/ (default: the current directory).
func WithRoot(dir string) Option { return func(c *config) { c.root = dir } }

// WithEnv adds "KEY=value" entries to the runtime's environment. They are
// applied last, so they override what Start sets (COPILOT_HOME, HOME).
func WithEnv(kv ...string) Option { return func(c *config) { c.env = append(c.env, kv...) } }

// WithStartupTimeout bounds the wait for the runtime to listen and answer
// connect (default DefaultStartupTimeout).
func WithStartupTimeout(d time.Duration) Option { return func(c *config) { c.startup = d } }

// WithLog receives the output of npm install (default: discarded).
func WithLog(w io.Writer) Option { return func(c *config) { c.log = w } }

// Runtime is a running real runtime. Close it: a runtime started with
// --port outlives whatever started it.
type Runtime struct {
	cmd             *exec.Cmd
	dir             string // holds its HOME, COPILOT_HOME and cwd
	addr            string
	version         string
	protocolVersion int
	packageVersion  string
	token           string // COPILOT_CONNECTION_TOKEN, if the caller set one
	exited          chan struct{}
	output          *tailbuf.Buffer

	closeOnce sync.Once
	closeErr  error
}

// Start installs the runtime package if needed, starts the runtime in a
// process group of its own and returns once it has answered a connect
// handshake, or with an error that shows the tail of its output.
func Start(ctx context.Context, opts ...Option) (*Runtime, error) {
	cfg := config{version: DefaultVersion, root: ".", log: io.Discard, startup: DefaultStartupTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	bin := cfg.binary
	if bin == "" {
		var err error
		if bin, err = Install(ctx, cfg.root, cfg.version, cfg.log); err != nil {
			return nil, err
		}
	}
	dir, err := os.MkdirTemp("", "copilot-runtime-")
	if err != nil {
		return nil, err
	}
	home, work := filepath.Join(dir, "home"), filepath.Join(dir, "work")
	for _, d := range []string{home, work} {
		if err := os.Mkdir(d, 0o700); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	cmd := exec.Command(bin, "--headless", "--no-auto-update", "--no-auto-login", "--port", "0")
	// An empty working directory: the runtime's sessions work there
	// (session.list reports it as their cwd) and it reads custom
	// instructions from there; the suite's checkout must not leak in.
	cmd.Dir = work
	cmd.Env = runtimeEnv(os.Environ(), home, cfg.env)
	out := tailbuf.New(32 << 10)
	port := &portWatcher{out: out, found: make(chan string, 1)}
	// One writer for both streams: os/exec then calls it from one
	// goroutine only, and it never blocks the runtime's writes.
	cmd.Stdout, cmd.Stderr = port, port
	if err := procgroup.Start(cmd); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting the real runtime %s: %w", bin, err)
	}
	// procgroup kills the runtime when the suite is interrupted; its home
	// goes then too. (A suite killed outright cannot clean up: the kernel
	// kills the runtime, the directory stays in the temp dir.)
	procgroup.OnInterrupt(func() { os.RemoveAll(dir) })
	r := &Runtime{cmd: cmd, dir: dir, exited: make(chan struct{}), output: out, packageVersion: packageVersion(bin)}
	go func() {
		_ = cmd.Wait()
		close(r.exited)
	}()
	fail := func(format string, args ...any) (*Runtime, error) {
		_ = r.Close()
		return nil, fmt.Errorf("real runtime %s: %s; its output:\n%s", bin, fmt.Sprintf(format, args...), out)
	}
	// One bound for both waits below: listening, then answering connect.
	sctx, cancel := context.WithTimeout(ctx, cfg.startup)
	defer cancel()
	select {
	case p := <-port.found:
		r.addr = net.JoinHostPort("127.0.0.1", p) // where it binds (measured)
	case <-r.exited:
		return fail("exited before listening (%v)", cmd.ProcessState)
	case <-sctx.Done():
		if ctx.Err() != nil {
			return fail("interrupted while waiting for %q: %v", "listening on port N", ctx.Err())
		}
		return fail("did not print %q within %s", "listening on port N", cfg.startup)
	}
	// The line says only that the port is open. A connect handshake
	// proves that the runtime behind it serves the protocol (a broken
	// install fails here, not in the first scenario) and tells its version.
	r.token = envValue(cmd.Env, "COPILOT_CONNECTION_TOKEN")
	hello, err := handshake(sctx, r.addr, r.token)
	if err != nil {
		select {
		case <-r.exited:
			return fail("exited during its first connect (%v): %v", cmd.ProcessState, err)
		default:
		}
		if sctx.Err() != nil && ctx.Err() == nil {
			return fail("listening at %s, but no answer to connect within %s: %v", r.addr, cfg.startup, err)
		}
		return fail("listening at %s, but its connect handshake failed: %v", r.addr, err)
	}
	r.version, r.protocolVersion = hello.Version, hello.ProtocolVersion
	return r, nil
}

// runtimeEnv is the runtime's environment: the suite's, minus whatever
// would configure the runtime or log it in behind the suite's back, plus a
// home of its own, plus the caller's extras.
func runtimeEnv(base []string, home string, extra []string) []string {
	var env []string
	for _, kv := range base {
		name, _, _ := strings.Cut(kv, "=")
		if scrubbed(name) {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		// HOME too: the runtime keeps caches outside COPILOT_HOME
		// (XDG_CACHE_HOME, ~/.cache) and may read gh's stored login.
		"HOME="+home,
		"COPILOT_HOME="+filepath.Join(home, ".copilot"),
		// As the SDK's "empty" mode does: never touch an OS keychain.
		"COPILOT_DISABLE_KEYTAR=1",
	)
	// os/exec keeps the last of duplicate keys, so extra wins.
	return append(env, extra...)
}

// scrubbed names variables the suite does not pass to the runtime:
// COPILOT_* configure it (COPILOT_PROVIDER_BASE_URL and _API_KEY set a
// provider, COPILOT_CONNECTION_TOKEN makes it refuse connections without
// that token, COPILOT_GITHUB_TOKEN logs it in); GH_* and GITHUB_* carry
// GitHub tokens and hosts (CI sets GITHUB_TOKEN); XDG_* would move its
// files out of its temporary home.
func scrubbed(name string) bool {
	for _, p := range []string{"COPILOT_", "GH_", "GITHUB_", "XDG_"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func envValue(env []string, name string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == name {
			v = val // the last one wins, as in os/exec
		}
	}
	return v
}

// portWatcher keeps the runtime's output and reports the port of the first
// "listening on port N" line.
type portWatcher struct {
	out   *tailbuf.Buffer
	found chan string
	line  []byte
	done  bool
}

// maxLine bounds the partial line kept for matching; a longer line cannot
// be the one we look for.
const maxLine = 4096

func (w *portWatcher) Write(p []byte) (int, error) {
	n := len(p)
	w.out.Write(p)
	for !w.done && len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.line = append(w.line, p...)
			if len(w.line) > maxLine {
				w.line = w.line[len(w.line)-maxLine:]
			}
			break
		}
		w.line = append(w.line, p[:i]...)
		if m := listening.FindSubmatch(w.line); m != nil {
			w.found <- string(m[1])
			w.done = true
			w.line = nil
			break
		}
		w.line = w.line[:0]
		p = p[i+1:]
	}
	return n, nil
}

type helloResult struct {
	Version         string `json:"version"`
	ProtocolVersion int    `json:"protocolVersion"`
}

// handshake sends connect on a connection of its own, closed right after,
// and returns the answer; a runtime too old for connect is asked with
// ping, as the SDKs do. Connections after it are served as usual
// (measured). ctx bounds the exchange.
func handshake(ctx context.Context, addr, token string) (helloResult, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return helloResult{}, err
	}
	// Notifications sent before the answer are dropped; the runtime asks
	// nothing of a client that has not connected, but should it, it hears
	// that this client serves no method.
	conn := jsonrpc2.NewConn(ctx, jsonrpc2.NewBufferedStream(nc, jsonrpc.Codec{}), jsonrpc2.HandlerWithError(
		func(context.Context, *jsonrpc2.Conn, *jsonrpc2.Request) (any, error) {
			return nil, &jsonrpc2.Error{Code: jsonrpc2.CodeMethodNotFound, Message: "the suite's handshake serves no method"}
		}))
	defer conn.Close()
	params := map[string]any{"supportedTaskKinds": []string{"agent", "client", "shell"}}
	if token != "" {
		params["token"] = token
	}
	var hello helloResult
	err = conn.Call(ctx, "connect", params, &hello)
	var rpcErr *jsonrpc2.Error
	if errors.As(err, &rpcErr) && rpcErr.Code == jsonrpc2.CodeMethodNotFound {
		err = conn.Call(ctx, "ping", map[string]any{}, &hello)
	}
	if errors.As(err, &rpcErr) {
		err = fmt.Errorf("error %d: %s", rpcErr.Code, rpcErr.Message)
	}
	if err != nil && ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		err = fmt.Errorf("%w (%v)", err, ctx.Err())
	}
	return hello, err
}

// packageVersion is the version in the package.json of the npm package
// that holds bin (prebuilds/linux-x64/copilot-runtime), or "" for a binary
// from elsewhere.
func packageVersion(bin string) string {
	b, err := os.ReadFile(filepath.Join(filepath.Dir(bin), "..", "..", "package.json"))
	if err != nil {
		return ""
	}
	var pkg struct{ Name, Version string }
	if json.Unmarshal(b, &pkg) != nil || pkg.Name != PackageName {
		return ""
	}
	return pkg.Version
}

// Install puts the runtime package version under root/.cache/runtime and
// returns the binary's path; an existing install is reused. It installs
// into a temporary directory and renames it into place, so an interrupted
// install leaves nothing that looks complete and two suites installing at
// once do not tread on each other.
func Install(ctx context.Context, root, version string, log io.Writer) (string, error) {
	if !exactVersion.MatchString(version) {
		return "", fmt.Errorf("runtime package version %q: want an exact version such as %s", version, DefaultVersion)
	}
	if log == nil {
		log = io.Discard
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", err
	}
	parent := filepath.Join(abs, ".cache", "runtime")
	dir := filepath.Join(parent, version)
	bin := filepath.Join(dir, binaryInPackage)
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if _, err := exec.LookPath("npm"); err != nil {
		return "", fmt.Errorf("the real runtime comes from the npm registry: npm not found on PATH")
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(parent, "."+version+".installing-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp) // gone already after a successful rename
	if err := os.WriteFile(filepath.Join(tmp, "package.json"), []byte(`{"private": true}`+"\n"), 0o644); err != nil {
		return "", err
	}
	fmt.Fprintf(log, "[runtime] npm install %s@%s into %s (about 100 MB, once)\n", PackageName, version, dir)
	ictx, cancel := context.WithTimeout(ctx, installTimeout)
	defer cancel()
	out := tailbuf.New(4 << 10)
	cmd := exec.CommandContext(ictx, "npm", "install", "--save-exact", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error", PackageName+"@"+version)
	cmd.Dir = tmp
	cmd.Stdout, cmd.Stderr = io.MultiWriter(log, out), io.MultiWriter(log, out)
	if err := cmd.Run(); err != nil {
		if ictx.Err() != nil {
			err = fmt.Errorf("%w (npm install bounded to %s: %v)", err, installTimeout, ictx.Err())
		}
		return "", fmt.Errorf("npm install %s@%s: %w\n%s", PackageName, version, err, out)
	}
	if _, err := os.Stat(filepath.Join(tmp, binaryInPackage)); err != nil {
		return "", fmt.Errorf("%s@%s installed, but it has no %s (not a linux-x64 machine?)", PackageName, version, binaryInPackage)
	}
	if got := packageVersion(filepath.Join(tmp, binaryInPackage)); got != version {
		return "", fmt.Errorf("npm installed %s@%q, want %s", PackageName, got, version)
	}
	// A directory left by an older, non-atomic install has no binary: it
	// is not a complete install and may go.
	if _, err := os.Stat(dir); err == nil {
		if _, err := os.Stat(bin); err != nil {
			os.RemoveAll(dir)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, statErr := os.Stat(bin); statErr == nil {
			return bin, nil // another suite installed it meanwhile
		}
		return "", err
	}
	return bin, nil
}

// Addr is the runtime's host:port.
func (r *Runtime) Addr() string { return r.addr }

// Version is the version the runtime reports in its connect answer
// ("1.0.85" for package 1.0.14).
func (r *Runtime) Version() string { return r.version }

// ProtocolVersion is the SDK protocol version the runtime reports (3).
func (r *Runtime) ProtocolVersion() int { return r.protocolVersion }

// PackageVersion is the version of the npm package the binary came from,
// or "" when WithBinary named one outside such a package.
func (r *Runtime) PackageVersion() string { return r.packageVersion }

// Pid is the runtime's process id (and its process group's id).
func (r *Runtime) Pid() int { return r.cmd.Process.Pid }

// Exited is closed when the runtime's process has exited, expectedly or
// not.
func (r *Runtime) Exited() <-chan struct{} { return r.exited }

// Check makes a connect handshake on a connection of its own, as Start
// does, and reports why the runtime no longer serves. A runtime shared by
// several scenarios needs it: once any client sends runtime.shutdown, the
// real runtime answers every request of every client with error -32000
// SERVER_SHUTTING_DOWN, yet its process runs on and keeps listening
// (measured), so Exited says nothing.
func (r *Runtime) Check(ctx context.Context) error {
	select {
	case <-r.exited:
		return fmt.Errorf("real runtime at %s: its process has exited (%v); its output:\n%s", r.addr, r.cmd.ProcessState, r.output)
	default:
	}
	if _, err := handshake(ctx, r.addr, r.token); err != nil {
		return fmt.Errorf("real runtime at %s: connect: %w", r.addr, err)
	}
	return nil
}

// Output is the tail of what the runtime printed on stdout and stderr.
func (r *Runtime) Output() string { return r.output.String() }

// Close stops the runtime's process group (SIGTERM, SIGKILL after a
// grace period) and removes its temporary home. It is safe to call more
// than once.
func (r *Runtime) Close() error {
	r.closeOnce.Do(func() {
		procgroup.Stop(r.cmd, r.exited, stopGrace)
		select {
		case <-r.exited:
		case <-time.After(stopGrace):
			// SIGKILL went to the whole group: only a process stuck in the
			// kernel survives it. Say so instead of hanging.
			r.closeErr = fmt.Errorf("real runtime (pid %d) still running %s after SIGKILL", r.cmd.Process.Pid, stopGrace)
		}
		if err := os.RemoveAll(r.dir); err != nil && r.closeErr == nil {
			r.closeErr = err
		}
	})
	return r.closeErr
}
