package driver

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/procgroup"
)

// The test binary doubles as a misbehaving driver: with FAKE_DRIVER set it
// plays the behaviour named there instead of running tests.
func TestMain(m *testing.M) {
	if os.Getenv("HOSTILE_DRIVER") != "" {
		hostileDriver()
		return
	}
	if b := os.Getenv("FAKE_DRIVER"); b != "" {
		fakeDriver(b)
		return
	}
	os.Exit(m.Run())
}

func fakeDriver(behaviour string) {
	in := bufio.NewScanner(os.Stdin)
	fmt.Fprintln(os.Stderr, "fake driver starting:", behaviour)
	for in.Scan() {
		var c struct {
			ID  int
			Cmd string
		}
		_ = json.Unmarshal(in.Bytes(), &c)
		switch behaviour {
		case "good":
			if c.Cmd == "hello" {
				fmt.Printf("\x1e"+`{"id":%d,"ok":true,"result":{"sdk":"fake","sdkVersion":"0.0.1","generation":2,"capabilities":["providers"]}}`+"\n", c.ID)
			} else {
				fmt.Printf("\x1e"+`{"id":%d,"ok":false,"error":{"kind":"unsupported","message":"no %s here"}}`+"\n", c.ID, c.Cmd)
			}
		case "garbage": // a marked line that is no answer
			fmt.Println("\x1eDebugger listening on ws://127.0.0.1:9229")
		case "chatty": // the SDK's own output on stdout, before and inside the answer's line
			fmt.Println("SDK: connecting")
			fmt.Print("SDK: half a line")
			fmt.Printf("\x1e"+`{"id":%d,"ok":true,"result":{"sdk":"fake","sdkVersion":"0.0.1","generation":2}}`+"\n", c.ID)
			fmt.Fprintln(os.Stderr, "SDK: a log line")
		case "dies":
			fmt.Fprintln(os.Stderr, "TypeError: cannot read properties of undefined")
			os.Exit(3)
		case "hangs", "ignores-eof":
			time.Sleep(time.Hour)
		case "wrong-id":
			fmt.Printf("\x1e"+`{"id":%d,"ok":true,"result":{}}`+"\n", c.ID+1)
		case "bad-result":
			fmt.Printf("\x1e"+`{"id":%d,"ok":true,"result":{"sdk":42}}`+"\n", c.ID)
		}
	}
	if behaviour == "ignores-eof" {
		time.Sleep(time.Hour)
	}
}

func startFake(t *testing.T, behaviour string) *Driver {
	t.Helper()
	d, err := Start(Command{Path: os.Args[0], Env: []string{"FAKE_DRIVER=" + behaviour}})
	require.NoError(t, err)
	t.Cleanup(d.Close)
	return d
}

func TestGoodDriver(t *testing.T) {
	d := startFake(t, "good")
	h, err := d.Hello(context.Background())
	require.NoError(t, err)
	assert.Equal(t, Hello{SDK: "fake", SDKVersion: "0.0.1", Generation: 2, Capabilities: []string{"providers"}}, h)
	assert.True(t, h.Has("providers"))
	assert.False(t, h.Has("resume"))

	err = d.Connect(context.Background(), "127.0.0.1:1", "")
	var derr *Error
	require.ErrorAs(t, err, &derr)
	assert.Equal(t, KindUnsupported, derr.Kind)
	assert.Equal(t, "driver answered connect with a unsupported error: no connect here", err.Error())

	_, err = d.Hello(context.Background())
	assert.NoError(t, err, "an error answer does not break the driver")
}

func TestSDKOutputOnStdoutIsKeptApartFromAnswers(t *testing.T) {
	d := startFake(t, "chatty")
	h, err := d.Hello(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "fake", h.SDK)
	_, err = d.Hello(context.Background())
	require.NoError(t, err, "output outside answers is not a protocol violation")
	require.Eventually(t, func() bool {
		_, stderr, _ := d.SDKOutput()
		return strings.Count(stderr, "SDK: a log line") == 2
	}, 2*time.Second, 10*time.Millisecond)
	stdout, stderr, complete := d.SDKOutput()
	assert.Equal(t, strings.Repeat("SDK: connecting\nSDK: half a line\n", 2), stdout)
	assert.Contains(t, stderr, "fake driver starting: chatty")
	assert.True(t, complete)
}

func TestMisbehavingDrivers(t *testing.T) {
	tests := []struct {
		behaviour string
		timeout   time.Duration
		want      []string
	}{
		{"garbage", time.Second, []string{"not a protocol answer", `"Debugger listening on ws://127.0.0.1:9229"`, "fake driver starting: garbage"}},
		{"dies", time.Second, []string{"driver exited (exit status 3) instead of answering hello", "TypeError: cannot read properties"}},
		// The budget is what is left of the deadline when the call starts: 300ms or a hair less.
		{"hangs", 300 * time.Millisecond, []string{"did not answer hello (id 1) within ", "fake driver starting: hangs"}},
		{"wrong-id", time.Second, []string{"answered id 2 while command hello had id 1"}},
		{"bad-result", time.Second, []string{"result for hello does not fit the protocol"}},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			d := startFake(t, tt.behaviour)
			ctx, cancel := context.WithTimeout(context.Background(), tt.timeout)
			defer cancel()
			_, err := d.Hello(ctx)
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			if tt.behaviour == "hangs" {
				assert.Regexp(t, `within (300|29\d)ms`, err.Error())
			}
		})
	}
}

func TestBrokenDriverFailsFast(t *testing.T) {
	d := startFake(t, "garbage")
	_, first := d.Hello(context.Background())
	require.Error(t, first)
	start := time.Now()
	_, again := d.Hello(context.Background())
	assert.Equal(t, first, again)
	assert.Less(t, time.Since(start), 100*time.Millisecond)
}

func TestCloseStopsADriverThatIgnoresEOF(t *testing.T) {
	d, err := Start(Command{Path: os.Args[0], Env: []string{"FAKE_DRIVER=ignores-eof"}})
	require.NoError(t, err)
	start := time.Now()
	d.Close()
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Equal(t, 0, procgroup.Live())
	d.Close() // idempotent
}

func TestStartReportsAMissingProgram(t *testing.T) {
	_, err := Start(Command{Path: "/nonexistent/driver"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "/nonexistent/driver")
	assert.True(t, errors.Is(err, os.ErrNotExist))
}

func TestTokensCallback(t *testing.T) {
	b, err := json.Marshal(Tokens("tok-{n}", "last"))
	require.NoError(t, err)
	assert.JSONEq(t, `{"responses":[{"token":"tok-{n}"},{"token":"last"}]}`, string(b))
}

func TestInvocationArg(t *testing.T) {
	tok := "t"
	inv := Invocation{Callback: "A/singular", Args: json.RawMessage(`{"providerName":"default"}`), Token: &tok}
	v, ok := inv.Arg("providerName")
	assert.True(t, ok)
	assert.Equal(t, "default", v)
	_, ok = inv.Arg("sessionId")
	assert.False(t, ok)
	assert.Equal(t, `A/singular({"providerName":"default"}) -> "t"`, inv.String())
}

func TestLongErrorMessagesAreCapped(t *testing.T) {
	long := strings.Repeat("é", maxErrorMessage) // 2 bytes a rune: the cap falls inside one
	line, err := json.Marshal(map[string]any{"id": 4, "ok": false, "error": map[string]string{"kind": "sdk", "message": long}})
	require.NoError(t, err)
	a, err := decodeAnswer(line, 4, "send")
	require.NoError(t, err)
	require.NotNil(t, a.Error)
	assert.LessOrEqual(t, len(a.Error.Message), maxErrorMessage+len("..."))
	assert.True(t, utf8.ValidString(a.Error.Message), "cut inside a rune")
	assert.True(t, strings.HasSuffix(a.Error.Message, "é..."))
}
