// Package realruntime runs the real Copilot runtime, the one the npm
// package @github/copilot-sdk ships for linux-x64
// (@github/copilot-sdk-linux-x64, whose prebuilds/linux-x64/copilot-runtime
// is a native wrapper that needs no particular Node version), offline:
// headless, no auto-update, no login, its own COPILOT_HOME, on a loopback
// port. BYOK sessions against a loopback model endpoint need nothing else.
package realruntime

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"time"

	"conformance/internal/procgroup"
	"conformance/internal/tailbuf"
)

// DefaultVersion is the package version pinned by default: the one that
// @github/copilot-sdk 1.0.14 depends on (runtime 1.0.85).
const DefaultVersion = "1.0.14"

const packageName = "@github/copilot-sdk-linux-x64"

type config struct {
	version string
	binary  string
	root    string
	log     io.Writer
	startup time.Duration
}

// Option configures Start.
type Option func(*config)

// WithVersion picks another version of the runtime package.
func WithVersion(v string) Option { return func(c *config) { c.version = v } }

// WithBinary runs this copilot-runtime binary instead of installing one.
func WithBinary(path string) Option { return func(c *config) { c.binary = path } }

// WithRoot is the suite's checkout: the package is installed under its
// ignored .cache/runtime/<version>/.
func WithRoot(dir string) Option { return func(c *config) { c.root = dir } }

// WithStartupTimeout bounds the wait for "listening on port N" (default 60s).
func WithStartupTimeout(d time.Duration) Option { return func(c *config) { c.startup = d } }

// WithLog receives the output of the npm install.
func WithLog(w io.Writer) Option { return func(c *config) { c.log = w } }

// Runtime is a running real runtime. Close it: a runtime started with
// --port outlives whatever started it.
type Runtime struct {
	cmd     *exec.Cmd
	home    string
	addr    string
	version string
	exited  chan struct{}
	output  *tailbuf.Buffer
}

var listening = regexp.MustCompile(`listening on port (\d+)`)

// Start installs the runtime package if needed, starts the runtime and
// waits (bounded) until it listens.
func Start(ctx context.Context, opts ...Option) (*Runtime, error) {
	cfg := config{version: DefaultVersion, root: ".", log: io.Discard, startup: 60 * time.Second}
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
	home, err := os.MkdirTemp("", "copilot-home-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--headless", "--no-auto-update", "--no-auto-login", "--port", "0")
	cmd.Dir = home
	cmd.Env = append(os.Environ(), "COPILOT_HOME="+home)
	out := tailbuf.New(32 << 10)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := procgroup.Start(cmd); err != nil {
		os.RemoveAll(home)
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	r := &Runtime{cmd: cmd, home: home, version: cfg.version, exited: make(chan struct{}), output: out}
	go func() {
		_ = cmd.Wait()
		pw.Close()
		close(r.exited)
	}()
	port := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			out.Write(append(sc.Bytes(), '\n'))
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case port <- m[1]:
				default:
				}
			}
		}
	}()
	select {
	case p := <-port:
		r.addr = "127.0.0.1:" + p
		return r, nil
	case <-r.exited:
		r.Close()
		return nil, fmt.Errorf("the real runtime exited before listening (%v); its output:\n%s", cmd.ProcessState, out)
	case <-time.After(cfg.startup):
		r.Close()
		return nil, fmt.Errorf("the real runtime did not print %q within %s; its output:\n%s", "listening on port N", cfg.startup, out)
	case <-ctx.Done():
		r.Close()
		return nil, ctx.Err()
	}
}

// Install puts the runtime package version under root/.cache/runtime and
// returns the binary's path; an existing install is reused.
func Install(ctx context.Context, root, version string, log io.Writer) (string, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(abs, ".cache", "runtime", version)
	bin := filepath.Join(dir, "node_modules", "@github", "copilot-sdk-linux-x64", "prebuilds", "linux-x64", "copilot-runtime")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if _, err := exec.LookPath("npm"); err != nil {
		return "", fmt.Errorf("the real runtime comes from the npm registry: npm not found on PATH")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"private": true}`+"\n"), 0o644); err != nil {
		return "", err
	}
	fmt.Fprintf(log, "[runtime] npm install %s@%s (about 100 MB, once)\n", packageName, version)
	cmd := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error", packageName+"@"+version)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("npm install %s@%s in %s: %w", packageName, version, dir, err)
	}
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("%s@%s installed, but it has no %s", packageName, version, bin)
	}
	return bin, nil
}

// Addr is the runtime's host:port.
func (r *Runtime) Addr() string { return r.addr }

// Version is the runtime package's version.
func (r *Runtime) Version() string { return r.version }

// Output is the tail of what the runtime printed.
func (r *Runtime) Output() string { return r.output.String() }

// Close stops the runtime's process group and removes its COPILOT_HOME.
func (r *Runtime) Close() error {
	procgroup.Stop(r.cmd, r.exited, 3*time.Second)
	<-r.exited
	return os.RemoveAll(r.home)
}
