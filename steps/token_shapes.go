package steps

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
)

// Tokens shaped like real ones are generated here from a name, "a JWT of
// 2.5 KB", "an opaque token of 1 byte", "every printable ASCII character",
// rather than written into the features: a 64 KB token, or one holding
// quotes, backslashes and pipes, does not fit a Gherkin table cell, and
// the name says what matters about it. The same name always gives the
// same token (a fixed seed), so a failure can be reproduced.
var tokenShape = regexp.MustCompile(`^(?:an? )?(JWT|opaque token) of (\d+(?:\.\d+)?) (bytes?|KB)$`)

// printableASCII is every printable ASCII character, space to tilde, in
// order: quotes, backslash, the pipe and "{", "}" included.
var printableASCII = func() string {
	var b strings.Builder
	for c := byte(0x20); c <= 0x7e; c++ {
		b.WriteByte(c)
	}
	return b.String()
}()

// generateToken returns the token a shape names.
func generateToken(shape string) (string, error) {
	shape = strings.TrimSpace(shape)
	if shape == "every printable ASCII character" {
		return printableASCII, nil
	}
	m := tokenShape.FindStringSubmatch(shape)
	if m == nil {
		return "", fmt.Errorf(`token shape %q: want "a JWT of <n> KB", "an opaque token of <n> bytes" or "every printable ASCII character"`, shape)
	}
	size, _ := strconv.ParseFloat(m[2], 64)
	if m[3] == "KB" {
		size *= 1024
	}
	n := int(size)
	if float64(n) != size || n < 1 {
		return "", fmt.Errorf("token shape %q: the size must be a whole number of bytes, at least 1", shape)
	}
	rng := rand.New(rand.NewPCG(uint64(n), 24)) // the same shape, the same token
	if m[1] == "opaque token" {
		return randomChars(rng, n, opaqueAlphabet), nil
	}
	return jwtOfSize(rng, n)
}

// opaqueAlphabet is what opaque access tokens are made of (base64 and
// base64url characters, and the "." and "~" some services use).
const opaqueAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~+/="

const base64URLAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func randomChars(rng *rand.Rand, n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

// jwtOfSize builds a JWT-like token of exactly n bytes: the header and the
// claims of an Entra ID access token, base64url-encoded without padding,
// group ids added to the claims to reach the size (as a user in many
// groups makes real tokens grow), and a signature of random base64url
// characters taking up the rest (at least 16, at most an RS256
// signature's 342 plus the slack the last group left).
func jwtOfSize(rng *rand.Rand, n int) (string, error) {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"typ":"JWT","alg":"RS256","x5t":"CNv0OI3RwqlHFEVnaoMAshCH2XE","kid":"CNv0OI3RwqlHFEVnaoMAshCH2XE"}`))
	claims := map[string]any{
		"aud": "https://cognitiveservices.azure.com", "iss": "https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/",
		"iat": 1767225600, "nbf": 1767225600, "exp": 1767229500, "aio": "k2BgYJjXy2n4t8qgK+7ZSQyU1fQHAA==",
		"appid": "ab6cd2e1-7f3a-4f5e-9d2b-0c3e8a1f6b42", "appidacr": "2", "idp": "https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/",
		"oid": "0f3c9a4e-2b1d-4c6e-8a7f-5d9e1b2c3a4f", "rh": "0.AQEAv4j5cvGGr0GRqy180BHbR5AAAAAAAAAAwAAAAAAAAAABAAA.",
		"sub": "0f3c9a4e-2b1d-4c6e-8a7f-5d9e1b2c3a4f", "tid": "72f988bf-86f1-41af-91ab-2d7cd011db47", "uti": "x2Bq1cM0EEqQz7Yw9y0AAA", "ver": "1.0",
	}
	const minSignature = 16
	var groups []string
	body := ""
	for {
		if len(groups) > 0 {
			claims["groups"] = groups
		}
		raw, err := json.Marshal(claims)
		if err != nil {
			return "", err
		}
		next := enc.EncodeToString(raw)
		if len(header)+1+len(next)+1+minSignature > n {
			break
		}
		body = next
		if len(header)+1+len(body)+1+342 >= n {
			break
		}
		groups = append(groups, fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", rng.Uint32(), rng.IntN(1<<16), rng.IntN(1<<12), rng.IntN(1<<12), rng.Uint64()&(1<<48-1)))
	}
	if body == "" {
		return "", fmt.Errorf("a JWT of %d bytes is too short for a JWT's header and claims: the least is about 1 KB", n)
	}
	sig := randomChars(rng, n-len(header)-len(body)-2, base64URLAlphabet)
	return header + "." + body + "." + sig, nil
}

// describeToken is what a message says of a token that may be 64 KB
// long: its length and its first characters.
func describeToken(t string) string {
	if len(t) <= 40 {
		return strconv.Quote(t)
	}
	return fmt.Sprintf("%q... (%d bytes)", t[:32], len(t))
}

// firstDifference says where two strings first differ, for a message.
func firstDifference(got, want string) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	if i == len(got) && i == len(want) {
		return "equal"
	}
	return fmt.Sprintf("got %s, want %s: they first differ at byte %d (got %s, want %s)",
		describeToken(got), describeToken(want), i, describeToken(got[i:min(len(got), i+16)]), describeToken(want[i:min(len(want), i+16)]))
}
