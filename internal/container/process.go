package container

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/stdcopy"
	dcontainer "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// RunOptions says how to run a container.
type RunOptions struct {
	// Image is the image reference (e.g. Image.Ref from Build).
	Image string
	// Args are appended to the image's entrypoint.
	Args []string
	// Env adds KEY=VALUE entries to the image's environment.
	Env []string
	// Labels are added to the suite's label.
	Labels map[string]string
	// Name is the container's name (optional; the engine picks one if empty).
	Name string
	// Binds are bind mounts, "host-path:container-path[:ro]", e.g. a host
	// program the driver must spawn (the stdio transport's shim) at the
	// same path inside.
	Binds []string
	// Files are host files copied into the container before it starts,
	// container path -> host path, keeping the host file's mode (e.g. the
	// stdio transport's shim, which the SDK in the container spawns). A
	// copy, unlike a bind mount, works whatever the engine sees of this
	// machine's file system.
	Files map[string]string
	// Stderr, when set, receives the container's stderr, and
	// Process.Stderr is nil.
	Stderr io.Writer
}

// Process is a running container whose stdin, stdout and stderr are
// attached.
type Process struct {
	// ID is the container's id.
	ID string
	// Stdin goes to the container's stdin; Close sends EOF (the container
	// was created with StdinOnce, so its stdin then closes).
	Stdin io.WriteCloser
	// Stdout and Stderr give the container's output, demultiplexed. Neither
	// needs reading for the other to flow (each is buffered without bound;
	// drivers write little). Stderr is nil when RunOptions.Stderr was set.
	Stdout io.Reader
	Stderr io.Reader
	// Exited is closed once the container has stopped, for whatever reason
	// (its program ended, it was killed, it was removed) and is gone from
	// the engine, and its output has been read to the end (bounded: 2 s).
	Exited <-chan struct{}

	image   string
	cli     client.APIClient
	attach  client.ContainerAttachResult
	exited  chan struct{}
	exitErr error // set before exited is closed

	termOnce sync.Once
	termErr  error
}

// Run creates a container of opts.Image with host networking (so it reaches
// the host's loopback), attaches its stdin, stdout and stderr, and starts
// it. The container carries the suite's label; Terminate removes it.
func Run(ctx context.Context, opts RunOptions) (*Process, error) {
	cli, err := apiClient()
	if err != nil {
		return nil, err
	}
	labels := map[string]string{LabelKey: LabelValue, RunLabelKey: RunID}
	for k, v := range opts.Labels {
		labels[k] = v
	}
	init := true // docker-init as PID 1: SIGTERM reaches the driver, zombies are reaped
	created, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name: opts.Name,
		Config: &dcontainer.Config{
			Image:        opts.Image,
			Cmd:          opts.Args,
			Env:          opts.Env,
			Labels:       labels,
			OpenStdin:    true,
			StdinOnce:    true,
			AttachStdin:  true,
			AttachStdout: true,
			AttachStderr: true,
		},
		// AutoRemove (docker run --rm): the engine removes the container when
		// it ends, also when the suite dies without calling Terminate: the
		// attach connection closes, the driver sees EOF on stdin and exits
		// (drivers/PROTOCOL.md). RemoveAll catches a driver that does not.
		HostConfig: &dcontainer.HostConfig{NetworkMode: "host", Init: &init, AutoRemove: true, Binds: opts.Binds},
	})
	if err != nil {
		return nil, fmt.Errorf("creating a container of %s: %w", opts.Image, err)
	}
	p := &Process{ID: created.ID, image: opts.Image, cli: cli, exited: make(chan struct{})}
	p.Exited = p.exited
	fail := func(err error) (*Process, error) {
		rmCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if p.attach.Conn != nil {
			p.attach.Close()
		}
		return nil, errors.Join(err, removeContainer(rmCtx, cli, created.ID))
	}

	if len(opts.Files) > 0 {
		archive, err := filesArchive(opts.Files)
		if err != nil {
			return fail(err)
		}
		if _, err := cli.CopyToContainer(ctx, created.ID, client.CopyToContainerOptions{DestinationPath: "/", Content: archive}); err != nil {
			return fail(fmt.Errorf("copying files into container %s: %w", shortID(created.ID), err))
		}
	}

	// Attach before start, as `docker run -i` does: nothing the program
	// writes first is lost, and its stdin is ours from its first read.
	p.attach, err = cli.ContainerAttach(ctx, created.ID, client.ContainerAttachOptions{
		Stream: true, Stdin: true, Stdout: true, Stderr: true,
	})
	if err != nil {
		return fail(fmt.Errorf("attaching to container %s: %w", shortID(created.ID), err))
	}
	// Wait from before the start too, so a program that ends at once is
	// still seen ending; "removed", as docker run --rm waits: Exited then
	// also means the container is gone. The wait outlives ctx: it ends with
	// the container.
	wait := cli.ContainerWait(context.WithoutCancel(ctx), created.ID, client.ContainerWaitOptions{Condition: dcontainer.WaitConditionRemoved})

	stdout := newPipe()
	var stderrW io.Writer
	var stderr *pipe
	if opts.Stderr != nil {
		stderrW = opts.Stderr
	} else {
		stderr = newPipe()
		stderrW = stderr
		p.Stderr = stderr
	}
	p.Stdout = stdout
	p.Stdin = &stdinWriter{attach: &p.attach}
	copied := make(chan struct{})
	go func() {
		_, err := stdcopy.StdCopy(stdout, stderrW, p.attach.Reader)
		stdout.closeWithError(err)
		if stderr != nil {
			stderr.closeWithError(err)
		}
		close(copied)
	}()

	if _, err := cli.ContainerStart(ctx, created.ID, client.ContainerStartOptions{}); err != nil {
		return fail(fmt.Errorf("starting container %s of %s: %w", shortID(created.ID), opts.Image, err))
	}

	go func() {
		select {
		case res := <-wait.Result:
			switch {
			case res.Error != nil && res.Error.Message != "":
				p.exitErr = fmt.Errorf("container %s: %s", shortID(p.ID), res.Error.Message)
			case res.StatusCode != 0:
				p.exitErr = &ExitError{Code: int(res.StatusCode)}
			}
		case err := <-wait.Error:
			p.exitErr = fmt.Errorf("waiting for container %s: %w", shortID(p.ID), err)
		}
		select {
		case <-copied:
		case <-time.After(2 * time.Second):
		}
		close(p.exited)
	}()
	return p, nil
}

// filesArchive is a tar of files (container path -> host path) to unpack at
// the container's root, with each file's parent folders.
func filesArchive(files map[string]string) (io.Reader, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]bool{}
	dsts := make([]string, 0, len(files))
	for dst := range files {
		dsts = append(dsts, dst)
	}
	sort.Strings(dsts)
	for _, dst := range dsts {
		name := strings.TrimPrefix(path.Clean("/"+filepath.ToSlash(dst)), "/")
		for _, dir := range parents(name) {
			if !dirs[dir] {
				dirs[dir] = true
				if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: dir + "/", Mode: 0o755}); err != nil {
					return nil, err
				}
			}
		}
		b, err := os.ReadFile(files[dst])
		if err != nil {
			return nil, fmt.Errorf("a file for the container: %w", err)
		}
		fi, err := os.Stat(files[dst])
		if err != nil {
			return nil, err
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: int64(fi.Mode().Perm()), Size: int64(len(b))}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(b); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return &buf, nil
}

// ExitError is a container's non-zero exit status (137: killed).
type ExitError struct{ Code int }

func (e *ExitError) Error() string {
	if e.Code == 137 {
		return "container killed (exit status 137)"
	}
	return fmt.Sprintf("container exited with status %d", e.Code)
}

// ExitErr says how the container ended, once Exited is closed: nil for
// status 0, *ExitError for another status, another error when waiting for
// it failed (e.g. it was removed).
func (p *Process) ExitErr() error {
	select {
	case <-p.exited:
		return p.exitErr
	default:
		return nil
	}
}

// String names the container for messages.
func (p *Process) String() string {
	return fmt.Sprintf("container %s (%s)", shortID(p.ID), p.image)
}

// Terminate ends the container and removes it: it gets 2 s to exit after
// SIGTERM (after its stdin was closed, a driver is usually gone already),
// then it is killed; Terminate returns once the engine no longer has it
// (or ctx ends). It is safe to call more than once; later calls return the
// first one's result.
func (p *Process) Terminate(ctx context.Context) error {
	p.termOnce.Do(func() {
		select {
		case <-p.exited:
		default:
			timeout := 2
			_, err := p.cli.ContainerStop(ctx, p.ID, client.ContainerStopOptions{Timeout: &timeout})
			if err != nil && !isNotFound(err) {
				p.termErr = fmt.Errorf("stopping container %s: %w", shortID(p.ID), err)
			}
		}
		p.termErr = errors.Join(p.termErr, removeContainer(ctx, p.cli, p.ID))
		p.attach.Close()
		select {
		case <-p.exited:
		case <-ctx.Done():
			p.termErr = errors.Join(p.termErr, fmt.Errorf("container %s: not seen ending: %w", shortID(p.ID), ctx.Err()))
		}
	})
	return p.termErr
}

// stdinWriter writes to the attach connection; Close half-closes it, which
// the engine turns into EOF on the container's stdin.
type stdinWriter struct {
	attach *client.ContainerAttachResult
	mu     sync.Mutex
	closed bool
}

func (w *stdinWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return 0, io.ErrClosedPipe
	}
	return w.attach.Conn.Write(b)
}

func (w *stdinWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	return w.attach.CloseWrite()
}

// pipe is an in-memory pipe whose writes never block: the demultiplexer
// must not stall stdout because nobody reads stderr, or the reverse.
type pipe struct {
	mu     sync.Mutex
	cond   *sync.Cond
	buf    []byte
	closed bool
	err    error
}

func newPipe() *pipe {
	p := &pipe{}
	p.cond = sync.NewCond(&p.mu)
	return p
}

func (p *pipe) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return 0, io.ErrClosedPipe
	}
	p.buf = append(p.buf, b...)
	p.cond.Broadcast()
	return len(b), nil
}

func (p *pipe) Read(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.buf) == 0 && !p.closed {
		p.cond.Wait()
	}
	if len(p.buf) == 0 {
		if p.err != nil {
			return 0, p.err
		}
		return 0, io.EOF
	}
	n := copy(b, p.buf)
	p.buf = p.buf[n:]
	return n, nil
}

func (p *pipe) closeWithError(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		p.closed = true
		if err != nil && !errors.Is(err, io.EOF) && !isClosedConn(err) {
			p.err = err
		}
		p.cond.Broadcast()
	}
}

func isNotFound(err error) bool { return cerrdefs.IsNotFound(err) }

func isClosedConn(err error) bool {
	return errors.Is(err, io.ErrClosedPipe) || strings.Contains(err.Error(), "use of closed network connection")
}
