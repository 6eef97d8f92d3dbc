package jwt

import (
	"crypto/ecdsa"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

func TestParseKeySet(t *testing.T) {
	k := testKeys()
	enc := jwk(&k.rsa.PublicKey, "enc", "")
	enc.Use = "enc"
	wrongAlg := jwk(&k.p256.PublicKey, "wrong", "RS256")
	priv := jose.JSONWebKey{Key: k.p256, KeyID: "private", Algorithm: "ES256"}
	data := jwksJSON(t, jose.JSONWebKey{Key: []byte("secret"), KeyID: "hmac", Algorithm: "HS256"}, enc, wrongAlg, priv,
		jwk(&k.rsa.PublicKey, "rsa", ""))
	set, err := ParseKeySet(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 2 || set.Keys[0].ID != "private" || set.Keys[1].ID != "rsa" {
		t.Fatalf("keys %+v, skipped %v", set.Keys, set.Skipped)
	}
	if _, ok := set.Keys[0].Public.(*ecdsa.PublicKey); !ok || len(set.Skipped) != 3 {
		t.Fatalf("private key kept as %T; skipped %v", set.Keys[0].Public, set.Skipped)
	}
	if len(set.Keys[1].Algs) != 4 || !set.HasKeyID("rsa") || set.HasKeyID("hmac") {
		t.Fatalf("rsa algs %v", set.Keys[1].Algs)
	}
	for _, bad := range []string{`[]`, `{}`, `{"keys":{}}`, `not json`} {
		if _, err := ParseKeySet([]byte(bad)); err == nil {
			t.Errorf("ParseKeySet(%s) accepted", bad)
		}
	}
}
