package jsonrpc

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"

	"github.com/sourcegraph/jsonrpc2"

	"conformance/internal/tailbuf"
)

// Codec is a jsonrpc2.ObjectCodec for Content-Length framing that reports
// every frame it reads or writes, as raw JSON, to its hooks.
type Codec struct {
	// MaxFrameSize bounds incoming frames; 0 means DefaultMaxFrameSize.
	MaxFrameSize int
	// OnRead and OnWrite, when set, get each frame's body. OnReadError gets
	// a frame that could not be read, before the connection closes on it.
	OnRead      func(body []byte)
	OnWrite     func(body []byte)
	OnReadError func(err error)
}

var _ jsonrpc2.ObjectCodec = Codec{}

// WriteObject implements jsonrpc2.ObjectCodec.
func (c Codec) WriteObject(stream io.Writer, obj any) error {
	body, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	if c.OnWrite != nil {
		c.OnWrite(body)
	}
	return WriteFrame(stream, body)
}

// ReadObject implements jsonrpc2.ObjectCodec.
func (c Codec) ReadObject(stream *bufio.Reader, v any) error {
	body, err := ReadFrame(stream, c.MaxFrameSize)
	if err == nil && !json.Valid(body) {
		err = fmt.Errorf("%w: %q", ErrInvalidJSON, tailbuf.Head(body, 200))
	}
	if err == nil {
		if c.OnRead != nil {
			c.OnRead(body)
		}
		if err = json.Unmarshal(body, v); err != nil {
			err = fmt.Errorf("frame is JSON but not a JSON-RPC message: %w", err)
		}
	}
	if err != nil && err != io.EOF && c.OnReadError != nil {
		c.OnReadError(err)
	}
	return err
}
