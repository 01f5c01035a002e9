package contract

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNormalizeKeyFoldsEveryLanguagesSpelling(t *testing.T) {
	for _, k := range []string{"getBearerToken", "get_bearer_token", "GetBearerToken", "get-bearer-token", "GET_BEARER_TOKEN"} {
		assert.True(t, CallbackKeys[NormalizeKey(k)], k)
	}
	for _, k := range []string{"bearerTokenProvider", "bearer_token_provider", "BearerTokenProvider"} {
		assert.True(t, CallbackKeys[NormalizeKey(k)], k)
	}
	assert.False(t, CallbackKeys[NormalizeKey("hasBearerTokenProvider")], "the flag is not the callback")
	assert.False(t, CallbackKeys[NormalizeKey("bearerToken")], "a static bearer token is a provider field")
	assert.True(t, ScopeKeys[NormalizeKey("bearer_token_scope")])
	assert.True(t, ScopeKeys[NormalizeKey("expiresOnTimestamp")])
}

func TestFindKeysLooksInsideNestedValues(t *testing.T) {
	v := map[string]any{
		"type":  "azure",
		"azure": map[string]any{"apiVersion": "x", "Scope": "s"},
		"list":  []any{map[string]any{"get_bearer_token": true}},
	}
	assert.Equal(t, []string{"p.azure.Scope"}, FindKeys(v, "p", ScopeKeys))
	assert.Equal(t, []string{"p.list[0].get_bearer_token"}, FindKeys(v, "p", CallbackKeys))
}
