package jwt

import (
	"context"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// BenchmarkVerify is the cost of verifying one token, RS256 (2048-bit)
// and ES256, without the cache (a signature verification every time) and
// with it (a token seen before: a hash and a lookup).
func BenchmarkVerify(b *testing.B) {
	k := testKeys()
	keys := keysOf(b, jwk(&k.rsa.PublicKey, "r1", "RS256"), jwk(&k.p256.PublicKey, "e1", "ES256"))
	p := &Provider{Issuer: "https://idp", Audiences: []string{"api"}, Keys: keys, ClockSkew: time.Minute}
	for _, alg := range []struct {
		name string
		tok  string
	}{
		{"RS256", sign(b, jose.RS256, k.rsa, "r1", claims(map[string]any{"scope": "orders:read orders:write"}))},
		{"ES256", sign(b, jose.ES256, k.p256, "e1", claims(map[string]any{"scope": "orders:read orders:write"}))},
	} {
		for _, cached := range []bool{false, true} {
			name := alg.name + "/nocache"
			v := &Verifier{Now: func() time.Time { return t0 }}
			if cached {
				name = alg.name + "/cache"
				v.Cache = NewCache(0, 0)
			}
			b.Run(name, func(b *testing.B) {
				ctx := context.Background()
				for b.Loop() {
					if _, err := v.Verify(ctx, p, alg.tok); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
