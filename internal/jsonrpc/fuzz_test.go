package jsonrpc

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"

	"github.com/sourcegraph/jsonrpc2"
)

// fuzzMaxFrame is the frame limit the fuzz targets read with: small, so the
// fuzzer reaches the limit with short inputs.
const fuzzMaxFrame = 1 << 10

// FuzzReadFrame reads frames from arbitrary bytes until the first error.
// The seeds (testdata/fuzz/FuzzReadFrame) are frames the suite recorded
// between SDKs and the fake and real runtimes. Whatever the input, reading
// must end (every frame consumes input), never return a body over the
// limit, end with a known error, and every frame it returns must survive
// a write and a second read unchanged.
func FuzzReadFrame(f *testing.F) {
	f.Add([]byte(frame(`{"jsonrpc":"2.0","id":1,"method":"ping"}`)))
	f.Add([]byte("Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}Content-Length: 0\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		src := bytes.NewReader(data)
		r := bufio.NewReaderSize(src, 16)
		for frames := 0; ; frames++ {
			if frames > len(data) {
				t.Fatalf("read %d frames from %d bytes: a frame consumed no input", frames, len(data))
			}
			rest := data[len(data)-src.Len()-r.Buffered():] // where this frame starts
			body, err := ReadFrame(r, fuzzMaxFrame)
			if err != nil {
				if !knownFrameError(err) {
					t.Fatalf("unexpected kind of error: %v", err)
				}
				if errors.Is(err, ErrFrameTooLarge) && !oversizedHeader(rest) {
					t.Fatalf("refused a frame as too large in an input without one: %v", err)
				}
				return
			}
			if len(body) > fuzzMaxFrame {
				t.Fatalf("body of %d bytes passed the %d-byte limit", len(body), fuzzMaxFrame)
			}
			var buf bytes.Buffer
			if err := WriteFrame(&buf, body); err != nil {
				t.Fatal(err)
			}
			again, err := ReadFrame(bufio.NewReader(&buf), fuzzMaxFrame)
			if err != nil || !bytes.Equal(again, body) {
				t.Fatalf("a frame read back as %q, %v; want %q", again, err, body)
			}
		}
	})
}

// oversizedHeader reports whether the header block data starts with has
// a Content-Length over the fuzz limit: only then may ErrFrameTooLarge come.
func oversizedHeader(data []byte) bool {
	for _, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSuffix(line, []byte("\r"))) == 0 {
			return false // the end of the header block
		}
		name, value, ok := bytes.Cut(bytes.TrimSuffix(line, []byte("\r")), []byte(":"))
		if !ok || !bytes.EqualFold(bytes.TrimSpace(name), []byte("Content-Length")) {
			continue
		}
		if n, err := parseLength(string(bytes.TrimSpace(value))); err == nil && n > fuzzMaxFrame {
			return true
		}
	}
	return false
}

func knownFrameError(err error) bool {
	for _, known := range []error{io.EOF, io.ErrUnexpectedEOF, ErrBadHeader, ErrMissingContentLength, ErrFrameTooLarge} {
		if errors.Is(err, known) {
			return true
		}
	}
	return false
}

// FuzzCodec decodes an arbitrary frame body as a JSON-RPC request and as a
// response, the two shapes jsonrpc2 reads through the codec. The seeds
// (testdata/fuzz/FuzzCodec) are recorded bodies. A body the codec takes
// must be valid JSON, reach OnRead exactly as it arrived, and re-encode to
// a message that decodes to the same request or response.
func FuzzCodec(f *testing.F) {
	f.Add([]byte(`{"jsonrpc":"2.0","id":3,"method":"providerToken.getToken","params":{"providerName":"default","sessionId":"s"}}`))
	f.Add([]byte(`{"jsonrpc":"2.0","id":3,"result":{"token":"tok-1"}}`))
	f.Add([]byte(`{"jsonrpc":"2.0","id":3,"error":{"code":-32603,"message":"boom"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var in bytes.Buffer
		if err := WriteFrame(&in, body); err != nil {
			t.Fatal(err)
		}
		raw := in.Bytes()
		for _, msg := range []any{&jsonrpc2.Request{}, &jsonrpc2.Response{}} {
			var seen [][]byte
			var readErr error
			c := Codec{
				MaxFrameSize: fuzzMaxFrame,
				OnRead:       func(b []byte) { seen = append(seen, append([]byte(nil), b...)) },
				OnReadError:  func(err error) { readErr = err },
			}
			err := c.ReadObject(bufio.NewReader(bytes.NewReader(raw)), msg)
			if err != nil {
				if readErr != err {
					t.Fatalf("OnReadError got %v, ReadObject returned %v", readErr, err)
				}
				if len(body) <= fuzzMaxFrame && json.Valid(body) && len(seen) != 1 {
					t.Fatalf("a valid JSON body did not reach OnRead: %v", err)
				}
				continue
			}
			if !json.Valid(body) {
				t.Fatalf("took a body that is not JSON: %q", body)
			}
			if len(seen) != 1 || !bytes.Equal(seen[0], body) {
				t.Fatalf("OnRead got %q, want the body %q", seen, body)
			}
			var out bytes.Buffer
			if err := c.WriteObject(&out, msg); err != nil {
				continue // e.g. a result or params JSON that jsonrpc2 keeps but cannot re-marshal
			}
			fresh := map[bool]any{true: &jsonrpc2.Request{}, false: &jsonrpc2.Response{}}[isRequest(msg)]
			c.MaxFrameSize = 0
			if err := c.ReadObject(bufio.NewReader(&out), fresh); err != nil {
				t.Fatalf("re-encoded %T does not read back: %v", msg, err)
			}
			first, _ := json.Marshal(msg)
			second, _ := json.Marshal(fresh)
			if !bytes.Equal(first, second) {
				t.Fatalf("%T changed through the codec: %s, then %s", msg, first, second)
			}
		}
	})
}

func isRequest(msg any) bool {
	_, ok := msg.(*jsonrpc2.Request)
	return ok
}
