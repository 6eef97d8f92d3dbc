package jwt

import (
	"context"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

func TestVerify(t *testing.T) {
	k := testKeys()
	rsaPub := jwk(&k.rsa.PublicKey, "r1", "RS256")
	rsaAny := jwk(&k.rsa.PublicKey, "r-any", "")
	rsa2 := jwk(&k.rsa2.PublicKey, "r2", "RS256")
	p256 := jwk(&k.p256.PublicKey, "e1", "ES256")
	p384 := jwk(&k.p384.PublicKey, "e2", "")
	ed := jwk(k.ed.Public(), "d1", "EdDSA")
	all := []jose.JSONWebKey{rsaPub, rsaAny, rsa2, p256, p384, ed}

	// An RSA public key as HMAC secret: the key-confusion attack.
	der, _ := x509.MarshalPKIXPublicKey(&k.rsa.PublicKey)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	hsInput := func(h map[string]any) string {
		tok := raw(h, claims(nil), nil)
		return tok[:strings.LastIndex(tok, ".")]
	}
	hs := func(h map[string]any) string {
		in := hsInput(h)
		mac := hmac.New(sha256.New, pemKey)
		mac.Write([]byte(in))
		return in + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	}
	// ES256 with an ASN.1 DER signature instead of raw R||S.
	derES := func() string {
		in := hsInput(map[string]any{"alg": "ES256", "kid": "e1"})
		sum := sha256.Sum256([]byte(in))
		sig, _ := ecdsa.SignASN1(rand.Reader, k.p256, sum[:])
		return in + "." + base64.RawURLEncoding.EncodeToString(sig)
	}
	valid := sign(t, jose.RS256, k.rsa, "r1", claims(nil))
	tampered := func() string {
		parts := strings.Split(valid, ".")
		parts[1] = base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"https://idp","sub":"mallory","aud":"api"}`))
		return strings.Join(parts, ".")
	}

	skew := 60 * time.Second
	exp := t0.Add(time.Hour)
	tests := []struct {
		name  string
		token string
		now   time.Time
		prov  func(*Provider)
		keys  []jose.JSONWebKey
		want  error
	}{
		{name: "RS256", token: valid},
		{name: "RS384 key without alg", token: sign(t, jose.RS384, k.rsa, "r-any", claims(nil))},
		{name: "RS512 key without alg", token: sign(t, jose.RS512, k.rsa, "r-any", claims(nil))},
		{name: "PS256 key without alg", token: sign(t, jose.PS256, k.rsa, "r-any", claims(nil))},
		{name: "ES256", token: sign(t, jose.ES256, k.p256, "e1", claims(nil))},
		{name: "ES384 key without alg", token: sign(t, jose.ES384, k.p384, "e2", claims(nil))},
		{name: "EdDSA", token: sign(t, jose.EdDSA, k.ed, "d1", claims(nil))},
		{name: "alg differs from the key's declared alg", token: sign(t, jose.RS384, k.rsa, "r1", claims(nil)), keys: []jose.JSONWebKey{rsaPub}, want: ErrNoKey},
		{name: "PS384 is not accepted", token: sign(t, jose.PS384, k.rsa, "r-any", claims(nil)), want: ErrAlgorithm},
		{name: "ES256 DER signature", token: derES(), want: ErrSignature},
		{name: "ES256 token for a P-384 key", token: sign(t, jose.ES256, k.p256, "e2", claims(nil)), want: ErrNoKey},
		{name: "none", token: raw(map[string]any{"alg": "none"}, claims(nil), nil), want: ErrAlgorithm},
		{name: "None", token: raw(map[string]any{"alg": "None"}, claims(nil), nil), want: ErrAlgorithm},
		{name: "NONE", token: raw(map[string]any{"alg": "NONE", "kid": "r1"}, claims(nil), nil), want: ErrAlgorithm},
		{name: "nOnE", token: raw(map[string]any{"alg": "nOnE"}, claims(nil), []byte("x")), want: ErrAlgorithm},
		{name: "missing alg", token: raw(map[string]any{"kid": "r1"}, claims(nil), []byte("x")), want: ErrAlgorithm},
		{name: "alg not a string", token: raw(map[string]any{"alg": 256}, claims(nil), []byte("x")), want: ErrMalformed},
		{name: "HS256 keyed with the RSA public key", token: hs(map[string]any{"alg": "HS256", "kid": "r1"}), want: ErrAlgorithm},
		{name: "HS256 with an oct key in the set", token: hs(map[string]any{"alg": "HS256", "kid": "o1"}),
			keys: []jose.JSONWebKey{{Key: pemKey, KeyID: "o1", Algorithm: "HS256"}}, want: ErrAlgorithm},
		{name: "kid selects the key", token: sign(t, jose.RS256, k.rsa2, "r2", claims(nil))},
		{name: "kid of another key", token: sign(t, jose.RS256, k.rsa2, "r1", claims(nil)), want: ErrSignature},
		{name: "unknown kid", token: sign(t, jose.RS256, k.rsa, "nope", claims(nil)), want: ErrNoKey},
		{name: "no kid: every key of the alg is tried", token: sign(t, jose.RS256, k.rsa2, "", claims(nil))},
		{name: "no kid: no key of the alg", token: sign(t, jose.ES256, k.p256, "", claims(nil)), keys: []jose.JSONWebKey{rsaPub, rsa2}, want: ErrNoKey},
		{name: "tampered payload", token: tampered(), want: ErrSignature},
		{name: "exp within skew", token: valid, now: exp.Add(skew - time.Second)},
		{name: "exp at skew", token: valid, now: exp.Add(skew), want: ErrExpired},
		{name: "exp with zero skew", token: valid, now: exp, prov: func(p *Provider) { p.ClockSkew = 0 }, want: ErrExpired},
		{name: "nbf within skew", token: sign(t, jose.RS256, k.rsa, "r1", claims(map[string]any{"nbf": t0.Add(skew).Unix()}))},
		{name: "nbf beyond skew", token: sign(t, jose.RS256, k.rsa, "r1", claims(map[string]any{"nbf": t0.Add(skew + time.Second).Unix()})), want: ErrNotYetValid},
		{name: "fractional exp within skew", token: sign(t, jose.RS256, k.rsa, "r1", claims(map[string]any{"exp": float64(t0.Unix()) - 59.5}))},
		{name: "fractional exp beyond skew", token: sign(t, jose.RS256, k.rsa, "r1", claims(map[string]any{"exp": float64(t0.Unix()) - 60.5})), want: ErrExpired},
		{name: "wrong issuer", token: sign(t, jose.RS256, k.rsa, "r1", claims(map[string]any{"iss": "https://idp/"})), want: ErrIssuer},
		{name: "no issuer", token: sign(t, jose.RS256, k.rsa, "r1", claims(map[string]any{"iss": nil})), want: ErrIssuer},
		{name: "aud array", token: sign(t, jose.RS256, k.rsa, "r1", claims(map[string]any{"aud": []string{"other", "api"}}))},
		{name: "aud mismatch", token: sign(t, jose.RS256, k.rsa, "r1", claims(map[string]any{"aud": []string{"other"}})), want: ErrAudience},
		{name: "aud missing", token: sign(t, jose.RS256, k.rsa, "r1", claims(map[string]any{"aud": nil})), want: ErrAudience},
		{name: "any aud without audiences", token: sign(t, jose.RS256, k.rsa, "r1", claims(map[string]any{"aud": nil})), prov: func(p *Provider) { p.Audiences = nil }},
		{name: "aud of the wrong type", token: sign(t, jose.RS256, k.rsa, "r1", claims(map[string]any{"aud": 7})), want: ErrMalformed},
		{name: "no exp allowed", token: sign(t, jose.RS256, k.rsa, "r1", claims(map[string]any{"exp": nil}))},
		{name: "no exp required", token: sign(t, jose.RS256, k.rsa, "r1", claims(map[string]any{"exp": nil})), prov: func(p *Provider) { p.RequireExpiration = true }, want: ErrNoExpiration},
		{name: "exp a string", token: sign(t, jose.RS256, k.rsa, "r1", claims(map[string]any{"exp": "tomorrow"})), want: ErrMalformed},
		{name: "too large", token: valid, prov: func(p *Provider) { p.MaxTokenBytes = len(valid) - 1 }, want: ErrTooLarge},
		{name: "exactly max size", token: valid, prov: func(p *Provider) { p.MaxTokenBytes = len(valid) }},
		{name: "default max size", token: sign(t, jose.RS256, k.rsa, "r1", claims(map[string]any{"pad": strings.Repeat("x", DefaultMaxTokenBytes)})), want: ErrTooLarge},
		{name: "two parts", token: valid[:strings.LastIndex(valid, ".")], want: ErrMalformed},
		{name: "four parts", token: valid + ".x", want: ErrMalformed},
		{name: "header not base64", token: "!!." + strings.SplitN(valid, ".", 2)[1], want: ErrMalformed},
		{name: "header padded", token: strings.Replace(valid, ".", "=.", 1), want: ErrMalformed},
		{name: "header not JSON", token: base64.RawURLEncoding.EncodeToString([]byte("{alg")) + "." + strings.SplitN(valid, ".", 2)[1], want: ErrMalformed},
		{name: "signature not base64", token: valid[:strings.LastIndex(valid, ".")] + ".%%%", want: ErrMalformed},
		{name: "claims not JSON", token: func() string {
			s, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: k.rsa}, (&jose.SignerOptions{}).WithHeader("kid", "r1"))
			jws, _ := s.Sign([]byte("not json"))
			out, _ := jws.CompactSerialize()
			return out
		}(), want: ErrMalformed},
		{name: "crit header", token: func() string {
			s, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: k.rsa},
				(&jose.SignerOptions{}).WithHeader("kid", "r1").WithHeader("crit", []string{"exp"}).WithHeader("exp", 1))
			jws, _ := s.Sign([]byte(`{"iss":"https://idp","aud":"api"}`))
			out, _ := jws.CompactSerialize()
			return out
		}(), want: ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys := tt.keys
			if keys == nil {
				keys = all
			}
			p := &Provider{Name: "idp", Issuer: "https://idp", Audiences: []string{"api"}, Keys: keysOf(t, keys...), ClockSkew: skew}
			if tt.prov != nil {
				tt.prov(p)
			}
			now := tt.now
			if now.IsZero() {
				now = t0
			}
			v := &Verifier{Now: func() time.Time { return now }}
			c, err := v.Verify(context.Background(), p, tt.token)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if c.Issuer != "https://idp" {
					t.Fatalf("issuer %q", c.Issuer)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify: %v, want %v", err, tt.want)
			}
		})
	}
}

func TestReasonNamesEverySentinel(t *testing.T) {
	for _, err := range []error{ErrMissing, ErrTooLarge, ErrMalformed, ErrAlgorithm, ErrNoKey, ErrSignature,
		ErrIssuer, ErrAudience, ErrExpired, ErrNotYetValid, ErrNoExpiration, ErrKeys} {
		if r := Reason(errors.Join(errors.New("ctx"), err)); r == "invalid" {
			t.Errorf("Reason(%v) = invalid", err)
		}
	}
	if r := Reason(errors.New("other")); r != "invalid" {
		t.Errorf("Reason(other) = %q", r)
	}
}
