package steps

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseQuotedList(t *testing.T) {
	got, err := parseQuotedList(`"tok-1", "  spaced tok-2 ", "with \"quote\""`)
	require.NoError(t, err)
	assert.Equal(t, []string{"tok-1", "  spaced tok-2 ", `with "quote"`}, got)
	_, err = parseQuotedList(`tok-1, tok-2`)
	assert.Error(t, err)
}

func TestSplitListKeepsBlanksOfASingleItem(t *testing.T) {
	assert.Equal(t, []string{"  tok-{n} "}, splitList("  tok-{n} "))
	assert.Equal(t, []string{"a", "b"}, splitList("a, b"))
}
