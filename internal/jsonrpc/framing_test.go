package jsonrpc

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func frame(body string) string {
	var b bytes.Buffer
	_ = WriteFrame(&b, []byte(body))
	return b.String()
}

func TestReadFrame(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		max     int
		want    []string // bodies, in order, before the final error
		wantErr error    // the error after the bodies
		errText string   // a substring of that error's message
	}{
		{name: "one frame", input: frame(`{"a":1}`), want: []string{`{"a":1}`}, wantErr: io.EOF},
		{name: "two frames coalesced in one read", input: frame(`{"a":1}`) + frame(`{"b":2}`), want: []string{`{"a":1}`, `{"b":2}`}, wantErr: io.EOF},
		{name: "empty body", input: "Content-Length: 0\r\n\r\n", want: []string{""}, wantErr: io.EOF},
		{name: "other headers are ignored", input: "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: 2\r\n\r\n{}", want: []string{"{}"}, wantErr: io.EOF},
		{name: "header name is case-insensitive", input: "content-length: 2\r\n\r\n{}", want: []string{"{}"}, wantErr: io.EOF},
		{name: "bare LF line ends", input: "Content-Length: 2\n\n{}", want: []string{"{}"}, wantErr: io.EOF},
		{name: "missing Content-Length", input: "Content-Type: x\r\n\r\n{}", wantErr: ErrMissingContentLength},
		{name: "header without colon", input: "Content-Length 2\r\n\r\n{}", wantErr: ErrBadHeader, errText: "no colon"},
		{name: "non-numeric length", input: "Content-Length: two\r\n\r\n{}", wantErr: ErrBadHeader, errText: `"two"`},
		{name: "negative length", input: "Content-Length: -1\r\n\r\n", wantErr: ErrBadHeader},
		{name: "signed length", input: "Content-Length: +2\r\n\r\n{}", wantErr: ErrBadHeader, errText: `"+2"`},
		{name: "length past int", input: "Content-Length: 99999999999999999999\r\n\r\n", wantErr: ErrBadHeader},
		{name: "conflicting lengths", input: "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{} ", wantErr: ErrBadHeader, errText: "conflicting Content-Length headers 2 and 3"},
		{name: "repeated equal lengths", input: "Content-Length: 2\r\ncontent-length: 2\r\n\r\n{}", want: []string{"{}"}, wantErr: io.EOF},
		{name: "endless header block", input: strings.Repeat("X-Pad: yyyyyyyyyyyyyyyyyyyy\r\n", 1000), wantErr: ErrBadHeader, errText: "header block longer than 16384 bytes"},
		{name: "oversized frame", input: "Content-Length: 11\r\n\r\n01234567890", max: 10, wantErr: ErrFrameTooLarge, errText: "11 > limit 10"},
		{name: "endless header line", input: strings.Repeat("x", 5000), wantErr: ErrBadHeader, errText: "longer than"},
		{name: "closed inside the body", input: "Content-Length: 10\r\n\r\n{}", wantErr: io.ErrUnexpectedEOF},
		{name: "closed inside the header", input: "Content-Length: 10\r\n", wantErr: io.ErrUnexpectedEOF},
		{name: "closed mid header line", input: "Content-Len", wantErr: io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		// Each case runs twice: all bytes at once, and one byte per read,
		// which splits every frame across reads at every possible point.
		for _, split := range []bool{false, true} {
			name := tt.name
			if split {
				name += "/one byte per read"
			}
			t.Run(name, func(t *testing.T) {
				var src io.Reader = strings.NewReader(tt.input)
				if split {
					src = iotest.OneByteReader(src)
				}
				r := bufio.NewReaderSize(src, 16)
				for _, want := range tt.want {
					got, err := ReadFrame(r, tt.max)
					require.NoError(t, err)
					assert.Equal(t, want, string(got))
				}
				_, err := ReadFrame(r, tt.max)
				require.Error(t, err)
				assert.True(t, errors.Is(err, tt.wantErr), "got %v, want %v", err, tt.wantErr)
				assert.Contains(t, err.Error(), tt.errText)
			})
		}
	}
}

func TestWriteFrameIsOneWrite(t *testing.T) {
	var w countingWriter
	require.NoError(t, WriteFrame(&w, []byte(`{"jsonrpc":"2.0"}`)))
	assert.Equal(t, 1, w.writes)
	assert.Equal(t, "Content-Length: 17\r\n\r\n{\"jsonrpc\":\"2.0\"}", w.String())
}

type countingWriter struct {
	bytes.Buffer
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.Buffer.Write(p)
}
