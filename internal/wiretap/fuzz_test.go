package wiretap

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"conformance/internal/jsonrpc"
	"conformance/internal/wirelog"
)

// FuzzRelay sends arbitrary bytes through one direction of the tap. The
// seeds (testdata/fuzz/FuzzRelay) are streams of frames recorded between
// SDKs and the fake and real runtimes. Whatever the input, the relay must
// end, forward exactly the frames a reader of the stream sees (re-framed,
// bodies unchanged), and log each of them: its JSON, or an error for a
// body that is not JSON and for the frame that could not be read.
func FuzzRelay(f *testing.F) {
	f.Add([]byte("Content-Length: 2\r\n\r\n{}Content-Length: 4\r\n\r\nnull"))
	f.Add([]byte("Content-Length: 3\r\n\r\n{x}Content-Length: 99999\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		const limit = 1 << 10
		var want bytes.Buffer // the frames a reader of data sees, re-framed
		var wantLogged []string
		r := bufio.NewReader(bytes.NewReader(data))
		var endErr error
		for {
			body, err := jsonrpc.ReadFrame(r, limit)
			if err != nil {
				endErr = err
				break
			}
			_ = jsonrpc.WriteFrame(&want, body)
			if json.Valid(body) {
				wantLogged = append(wantLogged, "frame "+string(body))
			} else {
				wantLogged = append(wantLogged, "error "+jsonrpc.ErrInvalidJSON.Error())
			}
		}
		if !errors.Is(endErr, io.EOF) {
			wantLogged = append(wantLogged, "error ") // the unreadable frame
		}

		srcTap, srcPeer := net.Pipe()
		dstTap, dstPeer := net.Pipe()
		var wg sync.WaitGroup
		var got bytes.Buffer
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, _ = srcPeer.Write(data) // fails once the relay has stopped reading
			_ = srcPeer.Close()
		}()
		go func() {
			defer wg.Done()
			_, _ = io.Copy(&got, dstPeer)
		}()
		tap := &Tap{cfg: config{maxFrameSize: limit}}
		log := wirelog.New()
		tap.relay(srcTap, dstTap, log.NewConnection(), wirelog.SDKToRuntime, func() {})
		_ = srcTap.Close()
		_ = dstTap.Close()
		wg.Wait()

		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("forwarded %q, want %q", got.Bytes(), want.Bytes())
		}
		frames := log.Frames()
		if len(frames) != len(wantLogged) {
			t.Fatalf("logged %d entries, want %d (%q): %+v", len(frames), len(wantLogged), wantLogged, frames)
		}
		for i, fr := range frames {
			if fr.Err != "" {
				if !strings.HasPrefix(wantLogged[i], "error ") || !strings.Contains(fr.Err, strings.TrimPrefix(wantLogged[i], "error ")) {
					t.Fatalf("log entry %d is the error %q, want %s", i, fr.Err, wantLogged[i])
				}
				continue
			}
			if !json.Valid(fr.Raw) || wantLogged[i] != "frame "+string(fr.Raw) {
				t.Fatalf("log entry %d is the frame %q, want %s", i, fr.Raw, wantLogged[i])
			}
		}
	})
}
