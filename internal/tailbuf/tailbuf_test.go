package tailbuf

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestKeepsTheLastBytes(t *testing.T) {
	b := New(10)
	b.Write([]byte("hello "))
	b.Write([]byte("world, again"))
	assert.Equal(t, "rld, again", b.String())
	b.Write([]byte(strings.Repeat("x", 25)))
	assert.Equal(t, strings.Repeat("x", 10), b.String())
}

func TestHead(t *testing.T) {
	tests := []struct {
		name, in string
		n        int
		want     string
	}{
		{"short enough", "abc", 3, "abc"},
		{"cut and marked", "abcdef", 3, "abc..."},
		{"not inside a character", "aé", 2, "a..."},
		{"empty", "", 3, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Head([]byte(tt.in), tt.n))
		})
	}
}

func TestRecordingKeepsEverythingUpToItsBound(t *testing.T) {
	b := NewRecording(4, 12)
	b.Write([]byte("hello "))
	b.Write([]byte("world"))
	all, complete := b.All()
	assert.Equal(t, "hello world", all)
	assert.True(t, complete)
	assert.Equal(t, "orld", b.String())
	b.Write([]byte(", again"))
	all, complete = b.All()
	assert.Equal(t, "hello world,", all)
	assert.False(t, complete, "the stream went past the bound")

	plain := New(4)
	plain.Write([]byte("abc"))
	all, _ = plain.All()
	assert.Empty(t, all, "New keeps the tail only")
}

func TestRecordingTakesAllOfAWritePastItsBound(t *testing.T) {
	b := NewRecording(4, 8)
	n, err := b.Write([]byte("0123456789"))
	assert.NoError(t, err)
	assert.Equal(t, 10, n, "a short count would stop io.Copy from the driver's pipe")
}
