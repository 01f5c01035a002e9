package jsonrpc

import (
	"bufio"
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/sourcegraph/jsonrpc2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCodecReportsFramesBothWays(t *testing.T) {
	var read, written []string
	c := Codec{
		OnRead:  func(b []byte) { read = append(read, string(b)) },
		OnWrite: func(b []byte) { written = append(written, string(b)) },
	}
	var buf bytes.Buffer
	require.NoError(t, c.WriteObject(&buf, map[string]any{"jsonrpc": "2.0", "id": 1, "method": "ping"}))
	var req jsonrpc2.Request
	require.NoError(t, c.ReadObject(bufio.NewReader(&buf), &req))
	assert.Equal(t, "ping", req.Method)
	assert.Equal(t, []string{`{"id":1,"jsonrpc":"2.0","method":"ping"}`}, written)
	assert.Equal(t, written, read)
}

func TestCodecRejectsBadFrames(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		wantErr error
		errText string
	}{
		{name: "invalid JSON", input: frame(`{"jsonrpc":`), wantErr: ErrInvalidJSON, errText: `{\"jsonrpc\":`},
		{name: "missing header", input: "\r\n{}", wantErr: ErrMissingContentLength},
		{name: "oversized", input: "Content-Length: 99999999\r\n\r\n", wantErr: ErrFrameTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var reported error
			c := Codec{MaxFrameSize: 1 << 20, OnReadError: func(err error) { reported = err }}
			var v map[string]any
			err := c.ReadObject(bufio.NewReader(strings.NewReader(tt.input)), &v)
			require.Error(t, err)
			assert.True(t, errors.Is(err, tt.wantErr), "got %v", err)
			assert.Contains(t, err.Error(), tt.errText)
			assert.Equal(t, err, reported, "the read error is reported to the hook")
		})
	}
}

func TestCodecRejectsJSONThatIsNotAMessage(t *testing.T) {
	var v struct{ Method string }
	err := Codec{}.ReadObject(bufio.NewReader(strings.NewReader(frame(`[1,2]`))), &v)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not a JSON-RPC message")
}
