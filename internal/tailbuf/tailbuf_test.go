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
