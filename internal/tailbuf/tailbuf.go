// Package tailbuf shortens what failure messages quote: it keeps the end
// of a stream (the last lines a driver or a runtime wrote), and the start
// of one long line or frame (Head). A Buffer can also keep the whole
// stream (up to a bound), for checks that must see every byte, such as a
// search for a leaked secret.
package tailbuf

import (
	"bytes"
	"sync"
	"unicode/utf8"
)

// Head is the first n bytes of b (fewer, not to cut a character in two),
// followed by "..." when b is longer.
func Head(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	return string(b[:n]) + "..."
}

// Buffer keeps the last Max bytes written to it, and with NewRecording the
// first bytes up to a larger bound too. It is safe for concurrent use.
type Buffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer

	keep      int // 0: keep only the tail
	all       bytes.Buffer
	truncated bool
}

// New returns a Buffer that keeps the last max bytes.
func New(max int) *Buffer { return &Buffer{max: max} }

// NewRecording returns a Buffer that keeps the last max bytes and, apart,
// everything written up to keep bytes.
func NewRecording(max, keep int) *Buffer { return &Buffer{max: max, keep: keep} }

// Write takes all of p, whatever it keeps: a short count would make the
// copy from a driver's pipe stop, and the driver die of a broken pipe.
func (t *Buffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	t.buf.Write(p)
	if over := t.buf.Len() - t.max; over > 0 {
		t.buf.Next(over)
	}
	if t.keep > 0 {
		room := t.keep - t.all.Len()
		if len(p) > room {
			t.truncated = true
			p = p[:max(room, 0)]
		}
		t.all.Write(p)
	}
	return n, nil
}

func (t *Buffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}

// All returns everything recorded (see NewRecording) and whether that is
// the whole stream; a Buffer made by New records nothing.
func (t *Buffer) All() (recorded string, complete bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.all.String(), !t.truncated
}
