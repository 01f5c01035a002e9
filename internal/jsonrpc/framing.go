// Package jsonrpc reads and writes JSON-RPC 2.0 messages in the LSP-style
// framing the Copilot runtime and its SDKs speak: a header block with
// "Content-Length: N", a blank line, then N bytes of JSON.
//
// The connection logic (request ids, pending calls, handlers) comes from
// github.com/sourcegraph/jsonrpc2. Framing is ours because the suite needs
// two things that library's VSCodeObjectCodec does not give: a bound on frame
// size (a broken peer must not make the suite allocate gigabytes) and the raw
// bytes of every frame for the wire log. The wire tap also needs framing
// without JSON-RPC semantics.
package jsonrpc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"conformance/internal/tailbuf"
)

// DefaultMaxFrameSize bounds one frame's body. The largest frames seen from
// the real runtime are session events of a few tens of KiB.
const DefaultMaxFrameSize = 16 << 20

// maxHeaderLine bounds one header line, so a peer that never sends "\r\n"
// cannot grow a line without limit.
const maxHeaderLine = 4096

// maxHeaderBlock bounds a frame's whole header block, so a peer that sends
// header lines without end cannot keep the reader in one frame forever.
// Real peers send one or two lines of a few dozen bytes.
const maxHeaderBlock = 16 << 10

// Errors a frame can fail with. They are wrapped with details; test with
// errors.Is.
var (
	ErrMissingContentLength = errors.New("frame has no Content-Length header")
	ErrBadHeader            = errors.New("malformed frame header")
	ErrFrameTooLarge        = errors.New("frame exceeds the size limit")
	ErrInvalidJSON          = errors.New("frame body is not valid JSON")
)

// ReadFrame reads one frame from r and returns its body. It checks the
// framing, not the JSON. io.EOF means the peer closed cleanly between
// frames; a close inside a frame is io.ErrUnexpectedEOF.
func ReadFrame(r *bufio.Reader, maxSize int) ([]byte, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxFrameSize
	}
	length := -1
	headerBytes := 0
	for first := true; ; first = false {
		line, err := readHeaderLine(r)
		if err != nil {
			if first && err == io.EOF {
				return nil, io.EOF
			}
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		if line == "" {
			break
		}
		if headerBytes += len(line) + 2; headerBytes > maxHeaderBlock {
			return nil, fmt.Errorf("%w: header block longer than %d bytes", ErrBadHeader, maxHeaderBlock)
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("%w: header line %q has no colon", ErrBadHeader, line)
		}
		if !strings.EqualFold(strings.TrimSpace(name), "Content-Length") {
			continue // Content-Type and the like carry nothing we need.
		}
		n, err := parseLength(strings.TrimSpace(value))
		if err != nil {
			return nil, err
		}
		// Two lengths that disagree leave the frame's end ambiguous: a
		// peer reading the first and one reading the last would split
		// the stream differently.
		if length >= 0 && n != length {
			return nil, fmt.Errorf("%w: conflicting Content-Length headers %d and %d", ErrBadHeader, length, n)
		}
		length = n
	}
	if length < 0 {
		return nil, ErrMissingContentLength
	}
	if length > maxSize {
		return nil, fmt.Errorf("%w: Content-Length %d > limit %d", ErrFrameTooLarge, length, maxSize)
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(r, body); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("reading %d-byte frame body: %w", length, err)
	}
	return body, nil
}

// parseLength parses a Content-Length value: decimal digits only (no sign,
// no spaces), at most what an int holds.
func parseLength(v string) (int, error) {
	bad := v == ""
	for _, c := range v {
		bad = bad || c < '0' || c > '9'
	}
	n, err := strconv.Atoi(v)
	if bad || err != nil {
		return 0, fmt.Errorf("%w: Content-Length %q is not a non-negative integer", ErrBadHeader, tailbuf.Head([]byte(v), 40))
	}
	return n, nil
}

// readHeaderLine reads one "\r\n"-terminated line (a bare "\n" is accepted
// too) without its terminator. A line cut off by EOF is an error: bufio's
// ReadLine would hand it back as if it were complete.
func readHeaderLine(r *bufio.Reader) (string, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > maxHeaderLine {
			return "", fmt.Errorf("%w: header line longer than %d bytes", ErrBadHeader, maxHeaderLine)
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && len(line) > 0:
			return "", io.ErrUnexpectedEOF
		case err != nil:
			return "", err
		}
		return strings.TrimSuffix(strings.TrimSuffix(string(line), "\n"), "\r"), nil
	}
}

// WriteFrame writes body as one frame in a single Write, so concurrent
// writers that serialise their Write calls never interleave frames.
func WriteFrame(w io.Writer, body []byte) error {
	var buf bytes.Buffer
	buf.Grow(len(body) + 32)
	fmt.Fprintf(&buf, "Content-Length: %d\r\n\r\n", len(body))
	buf.Write(body)
	_, err := w.Write(buf.Bytes())
	return err
}
