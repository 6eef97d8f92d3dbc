package jwt

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/zeta-net/zeta/agent/l7/internal/jwttest"
)

// Keys minted once per test binary: RSA generation is slow.
var testKeys = sync.OnceValue(func() struct {
	rsa, rsa2 *rsa.PrivateKey
	p256      *ecdsa.PrivateKey
	p384      *ecdsa.PrivateKey
	ed        ed25519.PrivateKey
} {
	r1, _ := rsa.GenerateKey(rand.Reader, 2048)
	r2, _ := rsa.GenerateKey(rand.Reader, 2048)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	return struct {
		rsa, rsa2 *rsa.PrivateKey
		p256      *ecdsa.PrivateKey
		p384      *ecdsa.PrivateKey
		ed        ed25519.PrivateKey
	}{r1, r2, p256, p384, ed}
})

// t0 is the tests' "now".
var t0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// sign mints a compact JWS of claims with key and alg; kid "" leaves the
// header without one.
func sign(t testing.TB, alg jose.SignatureAlgorithm, key any, kid string, claims map[string]any) string {
	t.Helper()
	return jwttest.Sign(t, alg, key, kid, claims)
}

// raw assembles a token from a header, claims and signature as given.
func raw(header, claims any, sig []byte) string {
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	e := base64.RawURLEncoding
	return e.EncodeToString(h) + "." + e.EncodeToString(c) + "." + e.EncodeToString(sig)
}

// jwk is a public JWK of key with kid and a declared alg ("" for none).
func jwk(key any, kid, alg string) jose.JSONWebKey {
	k := jose.JSONWebKey{Key: key, KeyID: kid, Algorithm: alg, Use: "sig"}
	return k.Public()
}

func jwksJSON(t testing.TB, keys ...jose.JSONWebKey) []byte {
	t.Helper()
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// staticKeys is a KeySource that counts its calls.
type staticKeys struct {
	set   *KeySet
	calls atomic.Int32
}

func (s *staticKeys) KeySet(context.Context, string) (*KeySet, error) {
	s.calls.Add(1)
	return s.set, nil
}

func keysOf(t testing.TB, keys ...jose.JSONWebKey) *staticKeys {
	t.Helper()
	ks, err := ParseKeySet(jwksJSON(t, keys...))
	if err != nil {
		t.Fatal(err)
	}
	return &staticKeys{set: ks}
}

// claims returns valid claims for issuer "https://idp" and audience
// "api", expiring in an hour, with extra merged in (nil values delete).
func claims(extra map[string]any) map[string]any {
	c := map[string]any{"iss": "https://idp", "sub": "alice", "aud": "api", "exp": t0.Add(time.Hour).Unix(), "iat": t0.Unix()}
	for k, v := range extra {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}
