// Package jwttest mints keys, key sets and tokens for the L7 packages'
// tests.
package jwttest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Issuer is a token issuer with one signing key.
type Issuer struct {
	Name string // the iss claim
	Kid  string
	Alg  jose.SignatureAlgorithm
	Key  crypto.Signer
}

// NewES256 returns an issuer signing with a new P-256 key.
func NewES256(t testing.TB, iss, kid string) *Issuer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &Issuer{Name: iss, Kid: kid, Alg: jose.ES256, Key: k}
}

// NewRS256 returns an issuer signing with a new 2048-bit RSA key.
func NewRS256(t testing.TB, iss, kid string) *Issuer {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return &Issuer{Name: iss, Kid: kid, Alg: jose.RS256, Key: k}
}

// JWKS returns the issuer's public key set as JSON.
func (is *Issuer) JWKS(t testing.TB) string {
	t.Helper()
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: is.Key.Public(), KeyID: is.Kid, Algorithm: string(is.Alg), Use: "sig"}}})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Token signs claims, with iss set to the issuer's and exp to an hour
// from now unless claims set them; a nil value removes a claim.
func (is *Issuer) Token(t testing.TB, claims map[string]any) string {
	t.Helper()
	c := map[string]any{"iss": is.Name, "exp": time.Now().Add(time.Hour).Unix()}
	for k, v := range claims {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return Sign(t, is.Alg, is.Key, is.Kid, c)
}

// Sign signs claims as a compact JWS with key and alg, typ JWT; kid ""
// leaves the header without one.
func Sign(t testing.TB, alg jose.SignatureAlgorithm, key any, kid string, claims map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}
