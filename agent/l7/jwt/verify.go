package jwt

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Verifier verifies tokens for providers. The zero value is usable: it
// reads the system clock and caches nothing.
type Verifier struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Cache, if set, remembers verified tokens.
	Cache *Cache
}

// Verify checks token for provider p: its size, its form (compact JWS,
// accepted alg, no "crit"), its signature with a key of p's current set,
// then iss, aud, exp and nbf. It returns the claims, or an error wrapping
// one of the package's sentinels.
func (v *Verifier) Verify(ctx context.Context, p *Provider, token string) (*Claims, error) {
	if len(token) > p.maxTokenBytes() {
		return nil, fmt.Errorf("verify token: %w: %d bytes, at most %d", ErrTooLarge, len(token), p.maxTokenBytes())
	}
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	if v.Cache != nil {
		if c, ok := v.Cache.get(p, token, now); ok {
			return c, nil
		}
	}
	c, err := v.verify(ctx, p, token, now)
	if err != nil {
		return nil, fmt.Errorf("verify token: %w", err)
	}
	if v.Cache != nil {
		v.Cache.put(p, token, c, now)
	}
	return c, nil
}

func (v *Verifier) verify(ctx context.Context, p *Provider, token string, now time.Time) (*Claims, error) {
	alg, err := peekAlgorithm(token)
	if err != nil {
		return nil, err
	}
	jws, err := jose.ParseSignedCompact(token, Algorithms)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	hdr := jws.Signatures[0].Protected
	if _, ok := hdr.ExtraHeaders["crit"]; ok {
		return nil, fmt.Errorf("%w: critical header parameters are not accepted", ErrMalformed)
	}
	ks, err := p.Keys.KeySet(ctx, hdr.KeyID)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeys, err)
	}
	keys := ks.candidates(hdr.KeyID, alg)
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: kid %q alg %s", ErrNoKey, hdr.KeyID, alg)
	}
	var payload []byte
	for _, k := range keys {
		if payload, err = jws.Verify(k.Public); err == nil {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSignature, err)
	}
	c, err := parseClaims(payload)
	if err != nil {
		return nil, err
	}
	return c, p.check(c, now)
}

// peekAlgorithm reads the protected header's alg before go-jose parses
// the token, to tell a refused algorithm ("none" in any spelling, HMAC,
// missing) from a malformed token.
func peekAlgorithm(token string) (jose.SignatureAlgorithm, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", fmt.Errorf("%w: want 3 dot-separated parts, have %d", ErrMalformed, len(parts))
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(parts[0])
	if err != nil {
		return "", fmt.Errorf("%w: header: %w", ErrMalformed, err)
	}
	var hdr struct {
		Alg *string `json:"alg"`
	}
	if err := json.Unmarshal(raw, &hdr); err != nil {
		return "", fmt.Errorf("%w: header: %w", ErrMalformed, err)
	}
	if hdr.Alg == nil {
		return "", fmt.Errorf("%w: header has no alg", ErrAlgorithm)
	}
	alg := jose.SignatureAlgorithm(*hdr.Alg)
	if !slices.Contains(Algorithms, alg) {
		return "", fmt.Errorf("%w: %q", ErrAlgorithm, *hdr.Alg)
	}
	return alg, nil
}

// check validates the registered claims of a verified token.
func (p *Provider) check(c *Claims, now time.Time) error {
	if c.Issuer != p.Issuer {
		return fmt.Errorf("%w: %q", ErrIssuer, c.Issuer)
	}
	if len(p.Audiences) > 0 && !slices.ContainsFunc(c.Audience, func(a string) bool { return slices.Contains(p.Audiences, a) }) {
		return fmt.Errorf("%w: %q", ErrAudience, c.Audience)
	}
	switch {
	case c.Expiry.IsZero() && p.RequireExpiration:
		return ErrNoExpiration
	case !c.Expiry.IsZero() && !now.Before(c.Expiry.Add(p.ClockSkew)):
		return fmt.Errorf("%w at %s", ErrExpired, c.Expiry.UTC().Format(time.RFC3339))
	case !c.NotBefore.IsZero() && now.Before(c.NotBefore.Add(-p.ClockSkew)):
		return fmt.Errorf("%w before %s", ErrNotYetValid, c.NotBefore.UTC().Format(time.RFC3339))
	}
	return nil
}
