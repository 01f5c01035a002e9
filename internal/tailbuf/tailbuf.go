// Package tailbuf keeps the end of a stream: the last lines a driver or a
// runtime wrote, which failure messages show. A Buffer can also keep the
// whole stream (up to a bound), for checks that must see every byte, such
// as a search for a leaked secret.
package tailbuf

import (
	"bytes"
	"sync"
)

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

func (t *Buffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
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
	return len(p), nil
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
