package driver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"conformance/internal/procgroup"
	"conformance/internal/tailbuf"
)

// Command says how to start a driver.
type Command struct {
	Path string
	Args []string
	Dir  string
	Env  []string // added to the suite's environment
}

func (c Command) String() string { return strings.Join(append([]string{c.Path}, c.Args...), " ") }

// DefaultTimeout bounds a command whose caller set no deadline.
const DefaultTimeout = 30 * time.Second

// maxLine bounds one answer line; an invocations list of a long scenario is
// the largest answer and stays far below this.
const maxLine = 16 << 20

// Process is a running driver program, wherever it runs: a local child
// process (StartLocal) or a container.
type Process interface {
	// Stdin takes commands; closing it tells the driver to exit.
	Stdin() io.WriteCloser
	// Stdout gives answers.
	Stdout() io.Reader
	// Exited is closed when the program has ended; ExitErr then says how.
	Exited() <-chan struct{}
	ExitErr() error
	// Stop ends the program and whatever it started, whatever its state,
	// and waits for it. It is safe to call more than once.
	Stop()
	// String names the program for messages.
	String() string
}

// Driver speaks the protocol with a running driver program.
type Driver struct {
	proc    Process
	lines   chan []byte // answer lines from stdout
	readErr error       // why stdout ended, set before lines is closed
	stderr  *tailbuf.Buffer
	stdout  *tailbuf.Buffer // what reached stdout that is not an answer: the SDK's

	mu     sync.Mutex // one command at a time (PROTOCOL.md)
	nextID int
	broken error // set once the driver broke the protocol; later calls fail fast
}

// New talks to an already running driver program whose stderr is being
// copied into stderr.
func New(p Process, stderr *tailbuf.Buffer) *Driver {
	d := &Driver{proc: p, lines: make(chan []byte, 1), stderr: stderr, stdout: NewStderrTail()}
	go d.readLines(p.Stdout())
	return d
}

// NewStderrTail returns a writer that keeps the last 64 KiB written to it,
// for a Process to copy the driver's stderr into, and everything up to
// maxOutput apart (see SDKOutput).
func NewStderrTail() *tailbuf.Buffer { return tailbuf.NewRecording(64<<10, maxOutput) }

// maxOutput bounds how much of the SDK's output a driver keeps whole: far
// more than an SDK writes in a scenario at its default settings.
const maxOutput = 32 << 20

// Marker starts every answer line (PROTOCOL.md, "Framing"): the ASCII
// record separator, as in JSON text sequences (RFC 7464). What precedes it
// on a line, and every line without it, is the SDK's output, not protocol.
const Marker = 0x1e

// Start runs the driver as a local child process in its own process group.
func Start(c Command) (*Driver, error) {
	stderr := NewStderrTail()
	p, err := StartLocal(c, stderr)
	if err != nil {
		return nil, err
	}
	return New(p, stderr), nil
}

// localProcess is a driver run as a child process (see procgroup).
type localProcess struct {
	cmd     Command
	proc    *exec.Cmd
	stdin   io.WriteCloser
	stdout  io.Reader
	exited  chan struct{}
	exitErr error
}

// StartLocal starts the command in its own process group, its stderr going
// to stderr.
func StartLocal(c Command, stderr io.Writer) (Process, error) {
	proc := exec.Command(c.Path, c.Args...)
	proc.Dir = c.Dir
	proc.Env = append(os.Environ(), c.Env...)
	proc.Stderr = stderr
	p := &localProcess{cmd: c, proc: proc, exited: make(chan struct{})}
	var err error
	if p.stdin, err = proc.StdinPipe(); err != nil {
		return nil, err
	}
	if p.stdout, err = proc.StdoutPipe(); err != nil {
		return nil, err
	}
	if err := procgroup.Start(proc); err != nil {
		return nil, fmt.Errorf("starting driver %s: %w", c, err)
	}
	go func() {
		p.exitErr = proc.Wait()
		close(p.exited)
	}()
	return p, nil
}

func (p *localProcess) Stdin() io.WriteCloser   { return p.stdin }
func (p *localProcess) Stdout() io.Reader       { return p.stdout }
func (p *localProcess) Exited() <-chan struct{} { return p.exited }
func (p *localProcess) ExitErr() error          { return p.exitErr }
func (p *localProcess) String() string          { return p.cmd.String() }

func (p *localProcess) Stop() {
	procgroup.Stop(p.proc, p.exited, 2*time.Second)
	<-p.exited
}

func (d *Driver) readLines(stdout io.Reader) {
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	for sc.Scan() {
		line := sc.Bytes()
		i := bytes.IndexByte(line, Marker)
		if i < 0 {
			_, _ = d.stdout.Write(append(line, '\n'))
			continue
		}
		if i > 0 { // the SDK wrote part of a line just before the answer
			_, _ = d.stdout.Write(append(line[:i:i], '\n'))
		}
		d.lines <- append([]byte(nil), line[i+1:]...)
	}
	d.readErr = sc.Err()
	close(d.lines)
}

// Call sends one command and decodes its result into result (which may be
// nil). It fails with *Error when the driver answers ok: false, and with a
// descriptive error, including the driver's stderr, when the driver dies,
// hangs past the deadline, or prints something that is not an answer.
func (d *Driver) Call(ctx context.Context, cmd string, fields any, result any) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.broken != nil {
		return d.broken
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	deadline, _ := ctx.Deadline()
	budget := time.Until(deadline).Round(time.Millisecond)
	d.nextID++
	id := d.nextID
	line, err := commandLine(id, cmd, fields)
	if err != nil {
		return err
	}
	if _, err := d.proc.Stdin().Write(line); err != nil {
		return d.fail(fmt.Errorf("driver did not take command %s: %v", cmd, err))
	}
	for {
		select {
		case <-ctx.Done():
			return d.fail(fmt.Errorf("driver did not answer %s (id %d) within %s", cmd, id, budget))
		case raw, ok := <-d.lines:
			if !ok {
				return d.fail(d.diedError(cmd))
			}
			var a answer
			if err := json.Unmarshal(raw, &a); err != nil || a.ID == nil || a.OK == nil {
				return d.fail(fmt.Errorf("driver printed a line that is not a protocol answer while %s was pending: %q", cmd, truncate(raw, 300)))
			}
			if *a.ID != id {
				return d.fail(fmt.Errorf("driver answered id %d while command %s had id %d", *a.ID, cmd, id))
			}
			if !*a.OK {
				if a.Error == nil {
					return d.fail(fmt.Errorf("driver answered %s with ok: false and no error object", cmd))
				}
				a.Error.Command = cmd
				return a.Error
			}
			if result == nil {
				return nil
			}
			if err := json.Unmarshal(a.Result, result); err != nil {
				return fmt.Errorf("driver's result for %s does not fit the protocol: %v: %s", cmd, err, truncate(a.Result, 300))
			}
			return nil
		}
	}
}

func commandLine(id int, cmd string, fields any) ([]byte, error) {
	m := map[string]any{}
	if fields != nil {
		b, err := json.Marshal(fields)
		if err != nil {
			return nil, fmt.Errorf("encoding %s: %w", cmd, err)
		}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("command %s fields must be a JSON object: %w", cmd, err)
		}
	}
	m["id"], m["cmd"] = id, cmd
	b, err := json.Marshal(m)
	return append(b, '\n'), err
}

func (d *Driver) diedError(cmd string) error {
	select {
	case <-d.proc.Exited():
		return fmt.Errorf("driver exited (%v) instead of answering %s", d.proc.ExitErr(), cmd)
	case <-time.After(2 * time.Second):
		if d.readErr != nil {
			return fmt.Errorf("reading driver's stdout while %s was pending: %v", cmd, d.readErr)
		}
		return fmt.Errorf("driver closed its stdout instead of answering %s", cmd)
	}
}

// fail marks the driver broken: after a protocol violation its stdout can
// no longer be trusted to line up with commands.
func (d *Driver) fail(err error) error {
	// stderr is copied by another goroutine, and a driver often explains
	// itself there just after the fact: give it a moment.
	select {
	case <-d.proc.Exited():
	case <-time.After(200 * time.Millisecond):
	}
	d.broken = fmt.Errorf("%w\n--- driver %s, stderr (last lines) ---\n%s", err, d.proc, d.Stderr())
	return d.broken
}

// SDKOutput is everything the driver's process wrote except its answers:
// what reached stdout outside answer lines, and stderr (where drivers also
// send what the SDK writes to its language's standard output). complete is
// false when either went past the bound kept.
func (d *Driver) SDKOutput() (stdout, stderr string, complete bool) {
	stdout, outComplete := d.stdout.All()
	stderr, errComplete := d.stderr.All()
	return stdout, stderr, outComplete && errComplete
}

// Stderr is the tail of what the driver wrote to stderr.
func (d *Driver) Stderr() string {
	s := d.stderr.String()
	if s == "" {
		return "(empty)\n"
	}
	return s
}

// Close asks the driver to stop, then ends its process group whether or not
// it listened. It is safe to call more than once.
func (d *Driver) Close() {
	d.mu.Lock()
	if d.broken == nil {
		_ = d.proc.Stdin().Close() // EOF on stdin: PROTOCOL.md says exit
	}
	d.broken = errors.New("driver was closed")
	d.mu.Unlock()
	d.proc.Stop()
}

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "..."
}
