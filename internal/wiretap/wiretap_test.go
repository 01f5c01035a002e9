package wiretap

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/jsonrpc"
	"conformance/internal/wirelog"
)

const wait = 5 * time.Second

// upstream is a stand-in runtime. On each connection it first writes
// greet (raw chunks, pausing between them so they arrive apart), then
// answers every frame it reads with the same body upper-cased, and
// records the raw bytes it received.
type upstream struct {
	ln     net.Listener
	greet  []string
	linger atomic.Bool // keep a connection open after its EOF
	wg     sync.WaitGroup

	mu    sync.Mutex
	raw   bytes.Buffer
	conns []net.Conn
	eof   chan struct{} // gets a value each time a connection's reader ends
}

func startUpstream(t *testing.T, greet ...string) *upstream {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	u := &upstream{ln: ln, greet: greet, eof: make(chan struct{}, 16)}
	u.wg.Add(1)
	go u.accept()
	t.Cleanup(u.close)
	return u
}

func (u *upstream) addr() string { return u.ln.Addr().String() }

func (u *upstream) accept() {
	defer u.wg.Done()
	for {
		c, err := u.ln.Accept()
		if err != nil {
			return
		}
		u.mu.Lock()
		u.conns = append(u.conns, c)
		u.mu.Unlock()
		u.wg.Add(1)
		go u.serve(c)
	}
}

func (u *upstream) serve(c net.Conn) {
	defer u.wg.Done()
	for _, chunk := range u.greet {
		if _, err := c.Write([]byte(chunk)); err != nil {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	r := bufio.NewReader(io.TeeReader(c, writerFunc(func(p []byte) {
		u.mu.Lock()
		u.raw.Write(p)
		u.mu.Unlock()
	})))
	defer func() {
		if !u.linger.Load() {
			c.Close() // as a runtime does when its peer is done
		}
		u.eof <- struct{}{}
	}()
	for {
		body, err := jsonrpc.ReadFrame(r, 0)
		if err != nil {
			return
		}
		if err := jsonrpc.WriteFrame(c, bytes.ToUpper(body)); err != nil {
			return
		}
	}
}

func (u *upstream) received() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.raw.String()
}

func (u *upstream) close() {
	u.ln.Close()
	u.mu.Lock()
	for _, c := range u.conns {
		c.Close()
	}
	u.mu.Unlock()
	u.wg.Wait()
}

type writerFunc func([]byte)

func (f writerFunc) Write(p []byte) (int, error) { f(p); return len(p), nil }

func frame(body string) string { return fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body) }

func startTap(t *testing.T, upstream string, opts ...Option) *Tap {
	t.Helper()
	tap, err := Start(upstream, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { tap.Close() })
	return tap
}

func dial(t *testing.T, tap *Tap) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", tap.Addr())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(wait)))
	return c, bufio.NewReader(c)
}

// writeChunks writes each chunk on its own, pausing so that the tap reads
// them apart.
func writeChunks(t *testing.T, c net.Conn, chunks []string) {
	t.Helper()
	for _, chunk := range chunks {
		_, err := c.Write([]byte(chunk))
		require.NoError(t, err)
		time.Sleep(5 * time.Millisecond)
	}
}

// logged renders the log as "dir body" lines, waiting (bounded) until it
// holds n entries.
func logged(t *testing.T, tap *Tap, n int) []string {
	t.Helper()
	require.Eventually(t, func() bool { return len(tap.Log().Frames()) >= n }, wait, 5*time.Millisecond,
		"the wire log did not reach %d entries; it has:\n%s", n, tap.Log())
	var got []string
	for _, f := range tap.Log().Frames() {
		if f.Err != "" {
			got = append(got, string(f.Dir)+" ERROR "+f.Err)
			continue
		}
		got = append(got, string(f.Dir)+" "+string(f.Raw))
	}
	return got
}

// noLeak fails if, after the test's cleanups, goroutines started during
// the test are still running. Register it first: cleanups run last-in,
// first-out.
func noLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(wait)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<20)
			t.Errorf("%d goroutines before the test, %d %s after it:\n%s", before, n, wait, buf[:runtime.Stack(buf, true)])
		}
	})
}

// tapGoroutines counts the goroutines running the tap's code.
func tapGoroutines() int {
	buf := make([]byte, 1<<20)
	n := 0
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if strings.Contains(g, "internal/wiretap.(*Tap).") {
			n++
		}
	}
	return n
}

// assertCausalOrder checks the log against want: the same frames, in the
// same order within each direction, and every answer (the upstream's
// upper-cased echo) logged after the frame it answers. Between directions
// nothing else is fixed: frames coalesced in one write are still forwarded
// one by one, so an answer may come before the next request is logged.
func assertCausalOrder(t *testing.T, want, got []string) {
	t.Helper()
	only := func(lines []string, prefix string) []string {
		var out []string
		for _, l := range lines {
			if strings.HasPrefix(l, prefix) {
				out = append(out, l)
			}
		}
		return out
	}
	assert.Equal(t, only(want, s2r), only(got, s2r), "sdk->runtime frames in order")
	assert.Equal(t, only(want, r2s), only(got, r2s), "runtime->sdk frames in order")
	at := map[string]int{}
	for i, l := range got {
		at[l] = i
	}
	for i, l := range got {
		body, ok := strings.CutPrefix(l, r2s)
		if !ok {
			continue
		}
		for req, j := range at {
			if reqBody, ok := strings.CutPrefix(req, s2r); ok && strings.ToUpper(reqBody) == body {
				assert.Less(t, j, i, "%q is logged after %q, which it answers", l, req)
			}
		}
	}
}

const (
	s2r = "sdk->runtime "
	r2s = "runtime->sdk "
)

func TestFramesAreRelayedAndLoggedInOrder(t *testing.T) {
	big := `{"x":"` + strings.Repeat("a", 1<<20) + `"}`
	tests := []struct {
		name  string
		greet []string // what the runtime sends first, chunk by chunk
		sdk   []string // what the SDK sends, chunk by chunk
		want  []string // the wire log: in this order within each direction, answers after what they answer
	}{
		{
			name: "one frame per write, each answered",
			sdk:  []string{frame(`{"id":1}`), frame(`{"id":2}`)},
			want: []string{s2r + `{"id":1}`, r2s + `{"ID":1}`, s2r + `{"id":2}`, r2s + `{"ID":2}`},
		},
		{
			name: "frames coalesced in one write",
			sdk:  []string{frame(`{"a":1}`) + frame(`{"b":2}`) + frame(`{"c":3}`)},
			want: []string{s2r + `{"a":1}`, s2r + `{"b":2}`, s2r + `{"c":3}`, r2s + `{"A":1}`, r2s + `{"B":2}`, r2s + `{"C":3}`},
		},
		{
			name: "a frame split in its header, at the blank line and in its body",
			sdk:  []string{"Content-Len", "gth: 9\r\n", "\r\n{\"a\":", "\"x\"}"},
			want: []string{s2r + `{"a":"x"}`, r2s + `{"A":"X"}`},
		},
		{
			name: "the runtime speaks first, coalesced then split",
			greet: []string{
				frame(`{"method":"n1"}`) + frame(`{"method":"n2"}`),
				"Content-Length: 15\r\n\r\n{\"meth", "od\":\"n3\"}",
			},
			want: []string{r2s + `{"method":"n1"}`, r2s + `{"method":"n2"}`, r2s + `{"method":"n3"}`},
		},
		{
			name: "other headers and casing",
			sdk:  []string{"content-length: 8\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{\"id\":3}"},
			want: []string{s2r + `{"id":3}`, r2s + `{"ID":3}`},
		},
		{
			name: "a 1 MiB frame",
			sdk:  []string{frame(big)},
			want: []string{s2r + big, r2s + strings.ToUpper(big)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			noLeak(t)
			up := startUpstream(t, tt.greet...)
			tap := startTap(t, up.addr())
			c, r := dial(t, tap)
			writeChunks(t, c, tt.sdk)
			assertCausalOrder(t, tt.want, logged(t, tap, len(tt.want)))
			// What the SDK got is exactly what was logged runtime->sdk, and
			// each body reached the runtime unchanged, in a canonical frame.
			var toRuntime strings.Builder
			for _, l := range tt.want {
				if body, ok := strings.CutPrefix(l, r2s); ok {
					got, err := jsonrpc.ReadFrame(r, 0)
					require.NoError(t, err)
					assert.Equal(t, body, string(got))
				} else {
					toRuntime.WriteString(frame(strings.TrimPrefix(l, s2r)))
				}
			}
			assert.Equal(t, toRuntime.String(), up.received())
			assert.Empty(t, tap.Problems())
		})
	}
}

func TestUnreadableFrames(t *testing.T) {
	tests := []struct {
		name     string
		fromSDK  string // bytes the SDK sends after a good frame
		greet    string // bytes the runtime sends after a good frame
		maxFrame int
		dir      wirelog.Direction
		want     string
	}{
		{name: "bad Content-Length", fromSDK: "Content-Length: nope\r\n\r\n", dir: wirelog.SDKToRuntime, want: "not a non-negative integer"},
		{name: "no Content-Length", fromSDK: "Content-Type: x\r\n\r\n{}", dir: wirelog.SDKToRuntime, want: jsonrpc.ErrMissingContentLength.Error()},
		{name: "header line without colon", fromSDK: "hello\r\n\r\n", dir: wirelog.SDKToRuntime, want: "has no colon"},
		{name: "over the size limit", fromSDK: frame(`{"too":"large"}`), maxFrame: 12, dir: wirelog.SDKToRuntime, want: "exceeds the size limit"},
		{name: "from the runtime", greet: "Content-Length: -1\r\n\r\n", dir: wirelog.RuntimeToSDK, want: "not a non-negative integer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			noLeak(t)
			good := frame(`{"ok":1}`)
			var greet []string
			if tt.greet != "" {
				greet = []string{good, tt.greet}
			}
			up := startUpstream(t, greet...)
			var opts []Option
			if tt.maxFrame > 0 {
				opts = append(opts, WithMaxFrameSize(tt.maxFrame))
			}
			tap := startTap(t, up.addr(), opts...)
			c, r := dial(t, tap)
			if tt.fromSDK != "" {
				writeChunks(t, c, []string{good, tt.fromSDK})
			}
			// The SDK's side is closed (after what came before the bad frame).
			_, err := io.ReadAll(r)
			require.NoError(t, err, "the tap closes the SDK's connection (EOF, not a timeout)")
			select {
			case <-up.eof:
			case <-time.After(wait):
				t.Fatal("the runtime's connection was not closed")
			}
			require.Eventually(t, func() bool { return len(tap.Log().Errors()) == 1 }, wait, 5*time.Millisecond, "no error in the log:\n%s", tap.Log())
			bad := tap.Log().Errors()[0]
			assert.Equal(t, tt.dir, bad.Dir)
			assert.Contains(t, bad.Err, tt.want)
			frames := tap.Log().Frames()
			assert.Equal(t, `{"ok":1}`, string(frames[0].Raw), "what came before is logged")
			require.Len(t, tap.Problems(), 1)
			assert.Contains(t, tap.Problems()[0], "unreadable frame")
		})
	}
}

func TestATruncatedFrameIsUnreadable(t *testing.T) {
	noLeak(t)
	up := startUpstream(t)
	tap := startTap(t, up.addr())
	c, r := dial(t, tap)
	writeChunks(t, c, []string{"Content-Length: 50\r\n\r\n{\"cut\":"})
	require.NoError(t, c.(*net.TCPConn).CloseWrite())
	_, err := io.ReadAll(r)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(tap.Log().Errors()) == 1 }, wait, 5*time.Millisecond)
	assert.Contains(t, tap.Log().Errors()[0].Err, io.ErrUnexpectedEOF.Error())
}

func TestAHalfCloseStillGetsItsAnswers(t *testing.T) {
	noLeak(t)
	up := startUpstream(t)
	tap := startTap(t, up.addr())
	c, r := dial(t, tap)
	writeChunks(t, c, []string{frame(`{"last":1}`)})
	require.NoError(t, c.(*net.TCPConn).CloseWrite())
	body, err := jsonrpc.ReadFrame(r, 0)
	require.NoError(t, err)
	assert.Equal(t, `{"LAST":1}`, string(body))
	_, err = jsonrpc.ReadFrame(r, 0)
	assert.ErrorIs(t, err, io.EOF, "then the runtime's close reaches the SDK")
	assert.Empty(t, tap.Log().Errors())
	assert.Empty(t, tap.Problems())
}

func TestAResetIsAProblemNotAnUnreadableFrame(t *testing.T) {
	noLeak(t)
	up := startUpstream(t)
	tap := startTap(t, up.addr())
	c, _ := dial(t, tap)
	writeChunks(t, c, []string{frame(`{"id":1}`)})
	require.Eventually(t, func() bool { return len(tap.Log().Frames()) == 2 }, wait, 5*time.Millisecond)
	// A killed driver's socket: closed with unread data, or with linger 0,
	// the peer gets a reset.
	require.NoError(t, c.(*net.TCPConn).SetLinger(0))
	require.NoError(t, c.Close())
	require.Eventually(t, func() bool { return len(tap.Problems()) == 1 }, wait, 5*time.Millisecond)
	assert.Contains(t, tap.Problems()[0], "connection reset")
	assert.Empty(t, tap.Log().Errors())
}

func TestAnUpstreamThatRefuses(t *testing.T) {
	noLeak(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	tap := startTap(t, addr)
	for i := 1; i <= 2; i++ { // and the tap keeps accepting
		_, r := dial(t, tap)
		_, err = io.ReadAll(r)
		require.NoError(t, err, "the SDK's connection is closed (EOF, not a timeout)")
		require.Eventually(t, func() bool { return len(tap.Problems()) == i }, wait, 5*time.Millisecond)
		assert.Contains(t, tap.Problems()[i-1], "cannot reach the runtime at "+addr)
	}
	assert.Empty(t, tap.Log().Frames())
}

// hang is a dial to an address that never answers: it ends only when its
// context does.
func hang(ctx context.Context, network, addr string) (net.Conn, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func withDial(f func(context.Context, string, string) (net.Conn, error)) Option {
	return func(c *config) { c.dial = f }
}

func TestAnUpstreamThatDoesNotAnswerIsBounded(t *testing.T) {
	noLeak(t)
	tap := startTap(t, "127.0.0.1:9", withDial(hang), WithDialTimeout(200*time.Millisecond))
	_, r := dial(t, tap)
	_, err := io.ReadAll(r)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(tap.Problems()) == 1 }, wait, 5*time.Millisecond)
	assert.Contains(t, tap.Problems()[0], "cannot reach the runtime")
}

func TestCloseEndsOpenConnections(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, tap *Tap, up *upstream) []net.Conn
	}{
		{name: "idle connections", setup: func(t *testing.T, tap *Tap, up *upstream) []net.Conn {
			a, _ := dial(t, tap)
			b, _ := dial(t, tap)
			return []net.Conn{a, b}
		}},
		{name: "a frame half sent", setup: func(t *testing.T, tap *Tap, up *upstream) []net.Conn {
			c, _ := dial(t, tap)
			writeChunks(t, c, []string{"Content-Length: 100\r\n\r\n{"})
			return []net.Conn{c}
		}},
		{name: "half-closed by the SDK, the runtime still open", setup: func(t *testing.T, tap *Tap, up *upstream) []net.Conn {
			up.linger.Store(true)
			c, _ := dial(t, tap)
			writeChunks(t, c, []string{frame(`{}`)})
			require.NoError(t, c.(*net.TCPConn).CloseWrite())
			return []net.Conn{c}
		}},
		{name: "a dial in flight", setup: func(t *testing.T, tap *Tap, up *upstream) []net.Conn {
			c, _ := dial(t, tap)
			return []net.Conn{c}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			noLeak(t)
			up := startUpstream(t)
			var opts []Option
			if tt.name == "a dial in flight" {
				opts = []Option{withDial(hang), WithDialTimeout(time.Hour)}
			}
			tap := startTap(t, up.addr(), opts...)
			conns := tt.setup(t, tap, up)
			require.Eventually(t, func() bool { return tapGoroutines() >= 1+len(conns) }, wait, 5*time.Millisecond,
				"the tap did not pick up the connections")
			done := make(chan struct{})
			go func() { tap.Close(); close(done) }()
			select {
			case <-done:
			case <-time.After(wait):
				t.Fatalf("Close did not end the relays within %s", wait)
			}
			assert.Zero(t, tapGoroutines(), "Close returns once the tap's goroutines have ended")
			for _, c := range conns {
				_, err := io.ReadAll(c)
				assert.NoError(t, err, "the SDK's connection was closed (EOF, not a timeout)")
			}
			_, err := net.DialTimeout("tcp", tap.Addr(), time.Second)
			assert.Error(t, err, "the tap no longer listens")
			assert.NoError(t, tap.Close(), "Close again does nothing")
		})
	}
}
