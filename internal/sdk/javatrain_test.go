package sdk

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/driver"
)

// playDriverEnv makes the test binary play a driver for javaTrain's tests
// (its value says how it behaves); playDriverLogEnv names the file where it
// writes each command it gets, one line each.
const (
	playDriverEnv    = "SDK_TEST_PLAY_DRIVER"
	playDriverLogEnv = "SDK_TEST_PLAY_DRIVER_LOG"
)

func TestMain(m *testing.M) {
	if how := os.Getenv(playDriverEnv); how != "" {
		playDriver(how)
		return
	}
	os.Exit(m.Run())
}

// playDriver answers every command of drivers/PROTOCOL.md that javaTrain
// sends; "fails-send" answers send with an SDK error, "lingers" does not
// exit when its stdin closes (as a JVM whose SDK threads hang would not).
func playDriver(how string) {
	log, err := os.OpenFile(os.Getenv(playDriverLogEnv), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, "play driver:", err)
		os.Exit(1)
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	for in.Scan() {
		var c struct {
			ID  int    `json:"id"`
			Cmd string `json:"cmd"`
		}
		_ = json.Unmarshal(in.Bytes(), &c)
		fmt.Fprintln(log, in.Text())
		result := `{}`
		switch c.Cmd {
		case "hello":
			result = `{"sdk":"java","sdkVersion":"0.0.1","language":"java","generation":2,"callbackField":"bearerTokenProvider","capabilities":["tools"]}`
		case "createSession":
			result = `{"sessionId":"s-1"}`
		case "send":
			if how == "fails-send" {
				fmt.Printf("\x1e"+`{"id":%d,"ok":false,"error":{"kind":"sdk","message":"the SDK gave up"}}`+"\n", c.ID)
				continue
			}
			result = `{"reply":"ten"}`
		case "invocations":
			result = `{"invocations":[]}`
		}
		fmt.Printf("\x1e"+`{"id":%d,"ok":true,"result":%s}`+"\n", c.ID, result)
	}
	if how == "lingers" {
		time.Sleep(5 * time.Minute)
	}
	os.Exit(0)
}

func playedDriver(t *testing.T, how string) (driver.Command, string) {
	t.Helper()
	log := filepath.Join(t.TempDir(), "commands")
	return driver.Command{Path: os.Args[0], Env: []string{playDriverEnv + "=" + how, playDriverLogEnv + "=" + log}}, log
}

// The training run is a scenario's exchange: hello, connect to the fake
// runtime, a session whose singular provider has a callback (and a tool,
// the driver having the capability), a turn, the invocations; it ends
// once the driver has exited after its stdin closed (when the JVM writes
// the archive).
func TestJavaTrainRunsATurnAndWaitsForTheExit(t *testing.T) {
	cmd, log := playedDriver(t, "exits")
	require.NoError(t, javaTrain(context.Background(), cmd))

	data, err := os.ReadFile(log)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	var cmds []string
	var session struct {
		Provider struct {
			BaseURL  string          `json:"baseUrl"`
			Callback json.RawMessage `json:"callback"`
		} `json:"provider"`
		Tools []struct{ Name string } `json:"tools"`
	}
	for _, line := range lines {
		var c struct {
			Cmd            string `json:"cmd"`
			RuntimeAddress string `json:"runtimeAddress"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &c), line)
		cmds = append(cmds, c.Cmd)
		switch c.Cmd {
		case "connect":
			assert.True(t, strings.HasPrefix(c.RuntimeAddress, "127.0.0.1:"), "connect names the fake runtime's loopback address: %s", line)
		case "createSession":
			require.NoError(t, json.Unmarshal([]byte(line), &session))
		}
	}
	assert.Equal(t, []string{"hello", "connect", "createSession", "send", "invocations"}, cmds)
	assert.True(t, strings.HasPrefix(session.Provider.BaseURL, "http://127.0.0.1:"), "the provider is the suite's model endpoint: %s", session.Provider.BaseURL)
	assert.NotEmpty(t, session.Provider.Callback, "the provider has a callback")
	if assert.Len(t, session.Tools, 1) {
		assert.Equal(t, javaTrainingTool, session.Tools[0].Name)
	}
}

// A training run that goes wrong says where, so that the archive made the
// plain way instead comes with the reason in the log.
func TestJavaTrainSaysWhatWentWrong(t *testing.T) {
	tests := []struct {
		how, want string
	}{
		{"fails-send", "send: "},
		{"lingers", "did not exit after its stdin closed"},
	}
	for _, tt := range tests {
		t.Run(tt.how, func(t *testing.T) {
			cmd, _ := playedDriver(t, tt.how)
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			err := javaTrain(ctx, cmd)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
