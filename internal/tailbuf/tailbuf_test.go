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
