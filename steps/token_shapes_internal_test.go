package steps

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tokens are what their names say: the exact size, a JWT of three
// base64url segments whose first two are JSON, and the same token for the
// same name.
func TestGeneratedTokensAreWhatTheirNamesSay(t *testing.T) {
	for shape, size := range map[string]int{
		"an opaque token of 1 byte": 1, "an opaque token of 64 KB": 65536,
		"a JWT of 1 KB": 1024, "a JWT of 2.5 KB": 2560, "a JWT of 8 KB": 8192, "a JWT of 64 KB": 65536,
		"every printable ASCII character": 95,
	} {
		tok, err := generateToken(shape)
		require.NoError(t, err, shape)
		assert.Len(t, tok, size, shape)
		again, _ := generateToken(shape)
		assert.Equal(t, tok, again, "%s: the same name gives the same token", shape)
		if strings.Contains(shape, "JWT") {
			parts := strings.Split(tok, ".")
			require.Len(t, parts, 3, shape)
			for _, seg := range parts[:2] {
				raw, err := base64.RawURLEncoding.DecodeString(seg)
				require.NoError(t, err, shape)
				assert.True(t, json.Valid(raw), "%s: %s is JSON", shape, raw)
			}
			_, err := base64.RawURLEncoding.DecodeString(parts[2])
			assert.NoError(t, err, "%s: the signature is base64url", shape)
		}
	}
	ascii, _ := generateToken("every printable ASCII character")
	for _, c := range ` "\|{}~` {
		assert.Contains(t, ascii, string(c))
	}
	for _, bad := range []string{"a JWT of 10 bytes", "an opaque token of 0 bytes", "a JWT of 1.3 bytes", "a token"} {
		_, err := generateToken(bad)
		assert.Error(t, err, bad)
	}
}
