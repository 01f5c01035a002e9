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
	"sync/atomic"
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
	// Server, when set, is a process this command's drivers are faster
	// with: StartServer starts it once for a run and gives back the
	// command to start drivers with. The Python driver's fork server
	// (drivers/python/README.md) is one.
	Server *Server
}

func (c Command) String() string { return strings.Join(append([]string{c.Path}, c.Args...), " ") }

// DefaultTimeout bounds a command whose caller set no deadline.
const DefaultTimeout = 30 * time.Second

// maxLine bounds one answer line; an invocations list of a long scenario is
// the largest answer and stays far below this.
const maxLine = 16 << 20

// maxErrorMessage caps the message of an error answer as the suite shows
// it: an SDK's error text with a stack trace fits, a runaway one is cut.
const maxErrorMessage = 8 << 10

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
	lines   chan []byte  // answer lines from stdout
	readErr atomic.Value // error: why stdout ended, if not a plain EOF; set before lines is closed
	stderr  *tailbuf.Buffer
	closed  chan struct{} // closed by Close: the stdout reader stops
	close   sync.Once
	stdout  *tailbuf.Buffer // what reached stdout that is not an answer: the SDK's

	mu     sync.Mutex // one command at a time (PROTOCOL.md)
	nextID int
	broken error // set once the driver broke the protocol; later calls fail fast
}

// New talks to an already running driver program whose stderr is being
// copied into stderr.
func New(p Process, stderr *tailbuf.Buffer) *Driver {
	d := &Driver{proc: p, lines: make(chan []byte, 1), stderr: stderr, stdout: NewStderrTail(), closed: make(chan struct{})}
	go d.readLines(p.Stdout())
	return d
}

// NewStderrTail returns a writer that keeps the last 64 KiB written to it,
// for a Process to copy the driver's stderr into, and everything up to
// maxOutput apart (see SDKOutput).
func NewStderrTail() *tailbuf.Buffer { return tailbuf.NewRecording(64<<10, maxOutput) }

// maxOutput bounds how much of the SDK's output a driver keeps whole: far
// more than an SDK writes in a scenario at its default settings, and small
// enough that a driver flooding its output does not grow the suite's memory
// much (internal/driver's hostile-driver test).
const maxOutput = 8 << 20

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
	stdout  *os.File
	exited  chan struct{}
	exitErr error
}

// stderrDrainDelay bounds how long, after the driver itself exits, the
// suite keeps copying its stderr: a process it started (an SDK's runtime)
// may hold stderr open, and the driver's exit must still be seen as one.
const stderrDrainDelay = time.Second

// StartLocal starts the command in its own process group, its stderr going
// to stderr.
func StartLocal(c Command, stderr io.Writer) (Process, error) {
	proc := exec.Command(c.Path, c.Args...)
	proc.Dir = c.Dir
	proc.Env = append(os.Environ(), c.Env...)
	proc.Stderr = stderr
	proc.WaitDelay = stderrDrainDelay
	p := &localProcess{cmd: c, proc: proc, exited: make(chan struct{})}
	var err error
	if p.stdin, err = proc.StdinPipe(); err != nil {
		return nil, err
	}
	// A pipe of our own rather than StdoutPipe, which Wait closes as soon
	// as the driver exits: an answer printed just before exiting must
	// still be read. The reader ends at EOF, or when Stop closes it.
	var stdoutW *os.File
	if p.stdout, stdoutW, err = os.Pipe(); err != nil {
		_ = p.stdin.Close()
		return nil, err
	}
	proc.Stdout = stdoutW
	err = procgroup.Start(proc)
	_ = stdoutW.Close() // the driver has its copy
	if err != nil {
		_ = p.stdout.Close()
		_ = p.stdin.Close()
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
	_ = p.stdout.Close()
}

// readLines passes each line of the driver's stdout to Call until stdout
// ends or the driver is closed (a driver that prints lines nobody asked
// for must not keep this goroutine alive).
func (d *Driver) readLines(stdout io.Reader) {
	defer close(d.lines)
	r := bufio.NewReaderSize(stdout, 64<<10)
	for {
		line, err := readLine(r, maxLine)
		if err != nil {
			if err != io.EOF && !errors.Is(err, os.ErrClosed) { // ErrClosed: Stop closed it
				d.readErr.Store(err)
			}
			return
		}
		i := bytes.IndexByte(line, Marker)
		if i < 0 { // not an answer: the SDK's own output
			_, _ = d.stdout.Write(append(line, '\n'))
			continue
		}
		if i > 0 { // the SDK wrote part of a line just before the answer
			_, _ = d.stdout.Write(append(line[:i:i], '\n'))
		}
		select {
		case d.lines <- append([]byte(nil), line[i+1:]...):
		case <-d.closed:
			return
		}
	}
}

// errLongLine is a stdout line over maxLine: the driver is not speaking
// the protocol, and reading on would only grow memory.
var errLongLine = errors.New("driver printed a line longer than the protocol allows")

// readLine reads one '\n'-terminated line, without its terminator, of at
// most max bytes. Output that ends without a newline is an error naming
// it: the driver died or closed stdout in the middle of an answer.
func readLine(r *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > max+1 {
			return nil, fmt.Errorf("%w (%d bytes): %q", errLongLine, max, tailbuf.Head(line, 100))
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && len(line) > 0:
			return nil, fmt.Errorf("driver's stdout ended in the middle of a line: %q", tailbuf.Head(line, 300))
		case err != nil:
			return nil, err
		}
		return line[:len(line)-1], nil
	}
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
	// The driver's exit ends the wait even when a process it started
	// still holds its stdout open; an answer it printed just before
	// exiting gets a moment to arrive.
	exited := d.proc.Exited()
	var lastChance <-chan time.Time
	for {
		select {
		case <-exited:
			exited, lastChance = nil, time.After(500*time.Millisecond)
		case <-lastChance:
			return d.fail(d.diedError(cmd))
		case <-ctx.Done():
			return d.fail(&NoAnswerError{Command: cmd, ID: id, Budget: budget})
		case raw, ok := <-d.lines:
			if !ok {
				return d.fail(d.diedError(cmd))
			}
			a, err := decodeAnswer(raw, id, cmd)
			if err != nil {
				return d.fail(err)
			}
			if a.Error != nil {
				return a.Error
			}
			if result == nil {
				return nil
			}
			if err := json.Unmarshal(a.Result, result); err != nil {
				return fmt.Errorf("driver's result for %s does not fit the protocol: %v: %s", cmd, err, tailbuf.Head(a.Result, 300))
			}
			return nil
		}
	}
}

// decodeAnswer decodes one line of the driver's stdout as the answer to
// command cmd with id id. An error means the driver broke the protocol
// (the line is not an answer, or not this command's); an answer with
// ok: false comes back with Error set, naming cmd.
func decodeAnswer(raw []byte, id int, cmd string) (answer, error) {
	var a answer
	if err := json.Unmarshal(raw, &a); err != nil || a.ID == nil || a.OK == nil {
		return answer{}, fmt.Errorf("driver printed a line that is not a protocol answer while %s was pending: %q", cmd, tailbuf.Head(raw, 300))
	}
	if *a.ID < id && *a.ID > 0 {
		return answer{}, fmt.Errorf("driver answered id %d again (a command it had answered already) while command %s had id %d", *a.ID, cmd, id)
	}
	if *a.ID != id {
		return answer{}, fmt.Errorf("driver answered id %d while command %s had id %d", *a.ID, cmd, id)
	}
	if !*a.OK {
		if a.Error == nil {
			return answer{}, fmt.Errorf("driver answered %s with ok: false and no error object", cmd)
		}
		a.Error.Command = cmd
		a.Error.Message = tailbuf.Head([]byte(a.Error.Message), maxErrorMessage)
		return a, nil
	}
	a.Error = nil // an ok answer's stray error object means nothing
	return a, nil
}

// NoAnswerError is a command the driver did not answer before the
// caller's deadline. For send it is how a turn that runs out of time ends
// (see Send): the suite's deadline, not the SDK's, decides.
type NoAnswerError struct {
	Command string
	ID      int
	Budget  time.Duration
}

func (e *NoAnswerError) Error() string {
	return fmt.Sprintf("driver did not answer %s (id %d) within %s", e.Command, e.ID, e.Budget)
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

// diedError says why stdout ended while cmd was pending. Stdout ending
// usually means the driver is exiting: wait a moment to say how.
func (d *Driver) diedError(cmd string) error {
	var lastWords string
	if readErr, _ := d.readErr.Load().(error); readErr != nil {
		if errors.Is(readErr, errLongLine) {
			return fmt.Errorf("reading driver's answer to %s: %v", cmd, readErr)
		}
		lastWords = fmt.Sprintf(" (%v)", readErr)
	}
	select {
	case <-d.proc.Exited():
		return fmt.Errorf("driver exited (%v) instead of answering %s%s", exitStatus(d.proc.ExitErr()), cmd, lastWords)
	case <-time.After(2 * time.Second):
		return fmt.Errorf("driver closed its stdout instead of answering %s, and kept running%s", cmd, lastWords)
	}
}

func exitStatus(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
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
	d.broken = fmt.Errorf("%w\n--- driver %s, stderr (last lines) ---\n%s", err, d.proc, lastLines(d.Stderr(), maxStderrShown))
	return d.broken
}

// maxStderrShown caps the driver's stderr in an error message: enough for
// a stack trace, not a flood.
const maxStderrShown = 4 << 10

// lastLines is the end of s, at most max bytes, starting at a line.
func lastLines(s string, max int) string {
	if len(s) <= max {
		return s
	}
	s = s[len(s)-max:]
	if i := strings.IndexByte(s, '\n'); i >= 0 && i < len(s)-1 {
		s = s[i+1:]
	}
	return "[...]\n" + s
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
	d.close.Do(func() { close(d.closed) })
	d.proc.Stop()
}
