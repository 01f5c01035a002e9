package wiretap

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/jsonrpc"
	"conformance/internal/wirelog"
)

// echoServer answers every frame with the same frame, upper-cased.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					body, err := jsonrpc.ReadFrame(r, 0)
					if err != nil {
						return
					}
					_ = jsonrpc.WriteFrame(c, []byte(strings.ToUpper(string(body))))
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func dial(t *testing.T, tap *Tap) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", tap.Addr())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(5*time.Second)))
	return c, bufio.NewReader(c)
}

func TestFramesAreRelayedAndLoggedBothWays(t *testing.T) {
	tap, err := Start(echoServer(t))
	require.NoError(t, err)
	t.Cleanup(func() { tap.Close() })
	c, r := dial(t, tap)
	// Two frames in one write, and one split over two writes.
	_, err = c.Write([]byte("Content-Length: 9\r\n\r\n{\"a\":\"x\"}Content-Length: 9\r\n\r\n{\"b\":\"y\"}Content-Len"))
	require.NoError(t, err)
	_, err = c.Write([]byte("gth: 9\r\n\r\n{\"c\":\"z\"}"))
	require.NoError(t, err)
	for _, want := range []string{`{"A":"X"}`, `{"B":"Y"}`, `{"C":"Z"}`} {
		body, err := jsonrpc.ReadFrame(r, 0)
		require.NoError(t, err)
		assert.Equal(t, want, string(body))
	}
	require.Eventually(t, func() bool { return len(tap.Log().Frames()) == 6 }, 2*time.Second, 5*time.Millisecond)
	var got []string
	for _, f := range tap.Log().Frames() {
		got = append(got, string(f.Dir)+" "+string(f.Raw))
	}
	assert.ElementsMatch(t, []string{
		"sdk->runtime {\"a\":\"x\"}", "sdk->runtime {\"b\":\"y\"}", "sdk->runtime {\"c\":\"z\"}",
		"runtime->sdk {\"A\":\"X\"}", "runtime->sdk {\"B\":\"Y\"}", "runtime->sdk {\"C\":\"Z\"}",
	}, got)
	assert.Empty(t, tap.Problems())
}

func TestAMalformedFrameIsLoggedAndClosesTheConnection(t *testing.T) {
	tap, err := Start(echoServer(t))
	require.NoError(t, err)
	t.Cleanup(func() { tap.Close() })
	c, r := dial(t, tap)
	_, err = c.Write([]byte("Content-Length: nope\r\n\r\n"))
	require.NoError(t, err)
	_, err = r.ReadByte()
	assert.Error(t, err, "the tap closes the SDK's side")
	require.Eventually(t, func() bool { return len(tap.Log().Errors()) == 1 }, 2*time.Second, 5*time.Millisecond)
	assert.Equal(t, wirelog.SDKToRuntime, tap.Log().Errors()[0].Dir)
	assert.Contains(t, tap.Problems()[0], "unreadable frame")
}

func TestARefusingUpstreamIsAProblem(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	tap, err := Start(addr)
	require.NoError(t, err)
	t.Cleanup(func() { tap.Close() })
	_, r := dial(t, tap)
	_, err = r.ReadByte()
	assert.Error(t, err)
	require.Eventually(t, func() bool { return len(tap.Problems()) == 1 }, 2*time.Second, 5*time.Millisecond)
	assert.Contains(t, tap.Problems()[0], "refused")
}

func TestCloseEndsOpenRelays(t *testing.T) {
	tap, err := Start(echoServer(t))
	require.NoError(t, err)
	dial(t, tap)
	dial(t, tap)
	done := make(chan struct{})
	go func() { tap.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end the relays within 5s")
	}
}
