// Package tailbuf shortens what failure messages quote: it keeps the end
// of a stream (the last lines a driver or a runtime wrote), and the start
// of one long line or frame (Head).
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

// Buffer keeps the last Max bytes written to it. It is safe for
// concurrent use.
type Buffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

// New returns a Buffer that keeps the last max bytes.
func New(max int) *Buffer { return &Buffer{max: max} }

func (t *Buffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(p)
	if over := t.buf.Len() - t.max; over > 0 {
		t.buf.Next(over)
	}
	return len(p), nil
}

func (t *Buffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}
