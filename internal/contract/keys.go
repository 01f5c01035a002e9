package contract

import (
	"fmt"
	"regexp"
	"strings"
)

// The keys no provider object on the wire may have, normalized
// (NormalizeKey): the steps of BT-2 and BT-3 and the explorer check the
// same names.
var (
	// CallbackKeys are the names a leaked callback would travel under
	// (BT-2): both generations' field names and the obvious variants.
	CallbackKeys = map[string]bool{
		"getbearertoken": true, "bearertokenprovider": true, "bearertokencallback": true,
		"bearertokenfunc": true, "bearertokenfn": true, "tokenprovider": true,
		"tokencallback": true, "gettoken": true, "callback": true,
	}
	// ScopeKeys are the names of what the callback closes over, or what a
	// token cache would need (BT-3).
	ScopeKeys = map[string]bool{
		"bearertokenscope": true, "scope": true, "scopes": true, "audience": true,
		"tokenscope": true, "tokenaudience": true, "resource": true,
		"expiresontimestamp": true, "expireson": true, "expiresat": true, "expiresin": true, "expiry": true,
	}
)

// NormalizeKey folds the spellings of one name in every SDK language
// (getBearerToken, get_bearer_token, GetBearerToken, get-bearer-token) to
// one form.
func NormalizeKey(k string) string {
	return strings.ToLower(nonAlphanumeric.ReplaceAllString(k, ""))
}

var nonAlphanumeric = regexp.MustCompile(`[^A-Za-z0-9]`)

// FindKeys returns the paths (from path) of the keys anywhere inside v, a
// decoded JSON value, whose normalized name is in names.
func FindKeys(v any, path string, names map[string]bool) []string {
	var found []string
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			if names[NormalizeKey(k)] {
				found = append(found, path+"."+k)
			}
			found = append(found, FindKeys(child, path+"."+k, names)...)
		}
	case []any:
		for i, child := range t {
			found = append(found, FindKeys(child, fmt.Sprintf("%s[%d]", path, i), names)...)
		}
	}
	return found
}
