package steps

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNormalizeKeyFoldsEveryLanguagesSpelling(t *testing.T) {
	for _, k := range []string{"getBearerToken", "get_bearer_token", "GetBearerToken", "get-bearer-token", "GET_BEARER_TOKEN"} {
		assert.True(t, callbackKeys[normalizeKey(k)], k)
	}
	for _, k := range []string{"bearerTokenProvider", "bearer_token_provider", "BearerTokenProvider"} {
		assert.True(t, callbackKeys[normalizeKey(k)], k)
	}
	assert.False(t, callbackKeys[normalizeKey("hasBearerTokenProvider")], "the flag is not the callback")
	assert.False(t, callbackKeys[normalizeKey("bearerToken")], "a static bearer token is a provider field")
	assert.True(t, scopeKeys[normalizeKey("bearer_token_scope")])
	assert.True(t, scopeKeys[normalizeKey("expiresOnTimestamp")])
}

func TestFindKeysLooksInsideNestedValues(t *testing.T) {
	v := map[string]any{
		"type":  "azure",
		"azure": map[string]any{"apiVersion": "x", "Scope": "s"},
		"list":  []any{map[string]any{"get_bearer_token": true}},
	}
	assert.Equal(t, []string{"p.azure.Scope"}, findKeys(v, "p", scopeKeys))
	assert.Equal(t, []string{"p.list[0].get_bearer_token"}, findKeys(v, "p", callbackKeys))
}

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
