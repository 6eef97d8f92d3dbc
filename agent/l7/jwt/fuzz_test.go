package jwt

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// FuzzVerify feeds arbitrary tokens to the verifier: it never panics,
// refuses with one of the package's reasons, and accepts only tokens
// whose signature one of the keys made (the seeds' valid tokens, or
// variations go-jose considers the same signature).
func FuzzVerify(f *testing.F) {
	k := testKeys()
	keys := keysOf(f, jwk(&k.rsa.PublicKey, "r1", "RS256"), jwk(&k.p256.PublicKey, "e1", "ES256"), jwk(k.ed.Public(), "d1", ""))
	p := &Provider{Issuer: "https://idp", Audiences: []string{"api"}, Keys: keys, ClockSkew: time.Minute}
	seeds := []string{
		sign(f, jose.RS256, k.rsa, "r1", claims(nil)),
		sign(f, jose.ES256, k.p256, "e1", claims(map[string]any{"scope": "a b", "scp": []string{"c"}})),
		sign(f, jose.EdDSA, k.ed, "", claims(map[string]any{"aud": []string{"x", "api"}})),
		raw(map[string]any{"alg": "none"}, claims(nil), nil),
		raw(map[string]any{"alg": "HS256", "kid": "r1"}, claims(nil), []byte("mac")),
		"", ".", "..", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.e30.", strings.Repeat("A", 100),
	}
	for _, s := range seeds {
		f.Add(s)
	}
	v := &Verifier{Now: func() time.Time { return t0 }}
	f.Fuzz(func(t *testing.T, token string) {
		c, err := v.Verify(context.Background(), p, token)
		if err != nil {
			if Reason(err) == "invalid" && !errors.Is(err, ErrMalformed) {
				t.Fatalf("refused without a reason: %v", err)
			}
			return
		}
		if c.Issuer != "https://idp" {
			t.Fatalf("accepted a token of issuer %q", c.Issuer)
		}
		alg, err := peekAlgorithm(token)
		if err != nil || alg == "none" || strings.HasPrefix(string(alg), "HS") {
			t.Fatalf("accepted alg %q (%v)", alg, err)
		}
	})
}
