package jwt

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

func TestCache(t *testing.T) {
	k := testKeys()
	keys := keysOf(t, jwk(&k.p256.PublicKey, "e1", "ES256"))
	p := &Provider{Name: "idp", Issuer: "https://idp", Keys: keys, ClockSkew: time.Minute}
	now := t0
	v := &Verifier{Now: func() time.Time { return now }, Cache: NewCache(2, 10*time.Minute)}
	tok := sign(t, jose.ES256, k.p256, "e1", claims(map[string]any{"exp": t0.Add(5 * time.Minute).Unix()}))
	ctx := context.Background()
	for range 3 {
		if _, err := v.Verify(ctx, p, tok); err != nil {
			t.Fatal(err)
		}
	}
	if n := keys.calls.Load(); n != 1 {
		t.Fatalf("verified %d times, want 1 (cached)", n)
	}
	// Another provider never sees this provider's entries.
	other := &Provider{Name: "idp", Issuer: "https://other", Keys: keys, ClockSkew: time.Minute}
	if _, err := v.Verify(ctx, other, tok); !errors.Is(err, ErrIssuer) {
		t.Fatalf("other provider: %v", err)
	}
	// The cache never outlives exp plus skew.
	now = t0.Add(6 * time.Minute)
	if _, err := v.Verify(ctx, p, tok); !errors.Is(err, ErrExpired) {
		t.Fatalf("after exp: %v", err)
	}
	// Bounded in size, least recently used out.
	now = t0
	for i := range 3 {
		if _, err := v.Verify(ctx, p, sign(t, jose.ES256, k.p256, "e1", claims(map[string]any{"jti": fmt.Sprint(i)}))); err != nil {
			t.Fatal(err)
		}
	}
	if n := v.Cache.Len(); n != 2 {
		t.Fatalf("cache holds %d tokens, want 2", n)
	}
	// Failures are not cached.
	bad := sign(t, jose.ES256, k.p256, "e1", claims(map[string]any{"iss": "x"}))
	before := keys.calls.Load()
	for range 2 {
		_, _ = v.Verify(ctx, p, bad)
	}
	if keys.calls.Load() != before+2 {
		t.Fatal("a refused token was cached")
	}
}

// TestCacheMaxAge: a token without exp stays cached at most maxAge.
func TestCacheMaxAge(t *testing.T) {
	k := testKeys()
	keys := keysOf(t, jwk(k.ed.Public(), "d1", "EdDSA"))
	p := &Provider{Issuer: "https://idp", Keys: keys}
	now := t0
	v := &Verifier{Now: func() time.Time { return now }, Cache: NewCache(0, time.Minute)}
	tok := sign(t, jose.EdDSA, k.ed, "d1", claims(map[string]any{"exp": nil}))
	for _, at := range []time.Duration{0, 59 * time.Second, 61 * time.Second} {
		now = t0.Add(at)
		if _, err := v.Verify(context.Background(), p, tok); err != nil {
			t.Fatal(err)
		}
	}
	if n := keys.calls.Load(); n != 2 {
		t.Fatalf("verified %d times, want 2", n)
	}
}
