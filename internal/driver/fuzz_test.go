package driver

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeAnswer decodes an arbitrary stdout line as the answer to a
// pending command. The seeds (testdata/fuzz/FuzzDecodeAnswer) are answers
// of the protocol's commands as drivers write them. Whatever the line, the
// decoder must not panic, must only take an answer that echoes the
// pending id, and must keep its messages short enough to show.
func FuzzDecodeAnswer(f *testing.F) {
	f.Add([]byte(`{"id":1,"ok":true,"result":{"sdk":"go","sdkVersion":"1.0.0","generation":2}}`), 1)
	f.Add([]byte(`{"id":7,"ok":false,"error":{"kind":"sdk","message":"boom"}}`), 7)
	f.Add([]byte(`Debugger listening on ws://127.0.0.1:9229`), 1)
	f.Fuzz(func(t *testing.T, line []byte, id int) {
		a, err := decodeAnswer(line, id, "send")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "driver ") {
				t.Fatalf("error does not say the driver did it: %v", err)
			}
			// 300 bytes of the line, each shown as at most a 10-byte escape (\U0010ffff), plus the sentence.
			if n := len(err.Error()); n > 300*10+200 {
				t.Fatalf("error of %d bytes for a %d-byte line", n, len(line))
			}
			return
		}
		if a.ID == nil || *a.ID != id || a.OK == nil {
			t.Fatalf("took an answer without the pending id %d: %s", id, line)
		}
		if !*a.OK && (a.Error == nil || a.Error.Command != "send") {
			t.Fatalf("an ok: false answer came back without its error naming the command: %+v", a.Error)
		}
		if *a.OK && a.Error != nil {
			t.Fatalf("an ok: true answer came back with an error: %v", a.Error)
		}
		if a.Error != nil && len(a.Error.Message) > maxErrorMessage+len("...") {
			t.Fatalf("error message of %d bytes passed the cap", len(a.Error.Message))
		}
		if a.Error != nil && utf8.ValidString(string(line)) && !utf8.ValidString(a.Error.Message) {
			t.Fatalf("decoding made a valid line's message invalid UTF-8: %q", a.Error.Message)
		}
	})
}
