package jwt

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"slices"

	jose "github.com/go-jose/go-jose/v4"
)

// Algorithms are the signature algorithms a token may use, whatever its
// key set: no HMAC, no "none".
var Algorithms = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.ES256, jose.ES384, jose.EdDSA,
}

// Key is a public verification key and the algorithms it verifies.
type Key struct {
	ID   string
	Algs []jose.SignatureAlgorithm
	// Public is *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey.
	Public any
}

// KeySet is a parsed JSON Web Key Set; it is never modified.
type KeySet struct {
	Keys []Key
	// Skipped says why keys of the set were left out, by index.
	Skipped map[int]string
}

// ParseKeySet parses a JWKS (RFC 7517 section 5). A key that cannot
// verify a signature of an accepted algorithm (an encryption key, a
// symmetric key, an unsupported curve or alg) is skipped and said why in
// Skipped; a set that is not JSON with a "keys" array is an error. Private
// keys contribute their public half only.
//
// Algorithms: a key that declares "alg" verifies that algorithm only; one
// that does not (common for RSA sets) verifies those its type implies:
// RS256/384/512 and PS256 for RSA, ES256 for P-256, ES384 for P-384, EdDSA
// for Ed25519. The token's alg must be among them, so an RSA key never
// verifies an ES256 or HS256 token.
func ParseKeySet(data []byte) (*KeySet, error) {
	var raw struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("parse jwks: %w", err)
	}
	if raw.Keys == nil {
		return nil, fmt.Errorf("parse jwks: no \"keys\" array")
	}
	ks := &KeySet{Skipped: map[int]string{}}
	for i, r := range raw.Keys {
		k, why := parseKey(r)
		if why != "" {
			ks.Skipped[i] = why
			continue
		}
		ks.Keys = append(ks.Keys, k)
	}
	return ks, nil
}

func parseKey(r json.RawMessage) (Key, string) {
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(r); err != nil {
		return Key{}, err.Error()
	}
	if jwk.Use != "" && jwk.Use != "sig" {
		return Key{}, fmt.Sprintf("use %q is not sig", jwk.Use)
	}
	if !jwk.IsPublic() {
		jwk = jwk.Public()
	}
	implied := impliedAlgs(jwk.Key)
	if implied == nil {
		return Key{}, fmt.Sprintf("key type %T verifies no accepted algorithm", jwk.Key)
	}
	algs := implied
	if jwk.Algorithm != "" {
		alg := jose.SignatureAlgorithm(jwk.Algorithm)
		if !slices.Contains(implied, alg) {
			return Key{}, fmt.Sprintf("alg %q is not accepted for this key type", jwk.Algorithm)
		}
		algs = []jose.SignatureAlgorithm{alg}
	}
	return Key{ID: jwk.KeyID, Algs: algs, Public: jwk.Key}, ""
}

// impliedAlgs returns the accepted algorithms a public key can verify; nil
// for symmetric keys and unsupported curves.
func impliedAlgs(k any) []jose.SignatureAlgorithm {
	switch k := k.(type) {
	case *rsa.PublicKey:
		return []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.PS256}
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return []jose.SignatureAlgorithm{jose.ES256}
		case elliptic.P384():
			return []jose.SignatureAlgorithm{jose.ES384}
		}
	case ed25519.PublicKey:
		return []jose.SignatureAlgorithm{jose.EdDSA}
	}
	return nil
}

// candidates returns the keys that may have signed a token with kid and
// alg: those with that kid if kid is set, else every key; in both cases
// only keys that verify alg.
func (ks *KeySet) candidates(kid string, alg jose.SignatureAlgorithm) []Key {
	var out []Key
	for _, k := range ks.Keys {
		if (kid == "" || k.ID == kid) && slices.Contains(k.Algs, alg) {
			out = append(out, k)
		}
	}
	return out
}

// HasKeyID reports whether a key of the set has kid.
func (ks *KeySet) HasKeyID(kid string) bool {
	return slices.ContainsFunc(ks.Keys, func(k Key) bool { return k.ID == kid })
}
