package jwt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Claims are a verified token's claims.
type Claims struct {
	Issuer   string
	Subject  string
	Audience []string
	// Expiry and NotBefore are zero when the token has no exp or nbf.
	Expiry    time.Time
	NotBefore time.Time
	// Scopes are the union of the space-separated "scope" string and the
	// "scp" array (or space-separated string, as some issuers write it).
	Scopes []string

	all map[string]any // numbers as json.Number
}

// parseClaims decodes a JWT claims set, which must be a JSON object whose
// registered claims have their registered types.
func parseClaims(payload []byte) (*Claims, error) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var all map[string]any
	if err := dec.Decode(&all); err != nil || all == nil {
		return nil, fmt.Errorf("%w: claims are not a JSON object", ErrMalformed)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the claims", ErrMalformed)
	}
	c := &Claims{all: all}
	var err error
	if c.Issuer, err = stringClaim(all, "iss"); err != nil {
		return nil, err
	}
	if c.Subject, err = stringClaim(all, "sub"); err != nil {
		return nil, err
	}
	if c.Audience, err = stringsClaim(all, "aud"); err != nil {
		return nil, err
	}
	if c.Expiry, err = timeClaim(all, "exp"); err != nil {
		return nil, err
	}
	if c.NotBefore, err = timeClaim(all, "nbf"); err != nil {
		return nil, err
	}
	scope, err := stringClaim(all, "scope")
	if err != nil {
		return nil, err
	}
	scp, err := stringsClaim(all, "scp")
	if err != nil {
		return nil, err
	}
	c.Scopes = strings.Fields(scope)
	for _, s := range scp {
		c.Scopes = append(c.Scopes, strings.Fields(s)...)
	}
	slices.Sort(c.Scopes)
	c.Scopes = slices.Compact(c.Scopes)
	return c, nil
}

func stringClaim(all map[string]any, name string) (string, error) {
	v, ok := all[name]
	if !ok {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%w: %q is not a string", ErrMalformed, name)
	}
	return s, nil
}

// stringsClaim reads a claim that is a string or an array of strings.
func stringsClaim(all map[string]any, name string) ([]string, error) {
	switch v := all[name].(type) {
	case nil:
		if _, ok := all[name]; ok {
			return nil, fmt.Errorf("%w: %q is null", ErrMalformed, name)
		}
		return nil, nil
	case string:
		return []string{v}, nil
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%w: %q has a member that is not a string", ErrMalformed, name)
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: %q is neither a string nor an array of strings", ErrMalformed, name)
}

// timeClaim reads a NumericDate: seconds since the epoch, possibly with
// a fraction.
func timeClaim(all map[string]any, name string) (time.Time, error) {
	v, ok := all[name]
	if !ok {
		return time.Time{}, nil
	}
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, fmt.Errorf("%w: %q is not a number", ErrMalformed, name)
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || f < 0 || f > 1<<40 {
		return time.Time{}, fmt.Errorf("%w: %q is not a valid date", ErrMalformed, name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), nil
}

// MissingScopes returns the scopes of required the token was not
// granted, compared as whole tokens.
func (c *Claims) MissingScopes(required []string) []string {
	var out []string
	for _, s := range required {
		if _, found := slices.BinarySearch(c.Scopes, s); !found {
			out = append(out, s)
		}
	}
	return out
}

// MissingClaims returns, sorted, the names of required claims the token
// lacks: a claim is there when its value (a string, number or boolean)
// equals the required one, or when it is an array with such a member.
func (c *Claims) MissingClaims(required map[string]string) []string {
	var out []string
	for name, want := range required {
		v, ok := c.all[name]
		if !ok || !slices.Contains(scalars(v), want) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// Value returns a claim as a header value: a scalar as it is, an array
// of scalars joined with ","; ok is false for an absent claim, an object
// or an array with a member that is none.
func (c *Claims) Value(name string) (string, bool) {
	v, ok := c.all[name]
	if !ok {
		return "", false
	}
	s := scalars(v)
	if s == nil {
		return "", false
	}
	if arr, isArr := v.([]any); isArr && len(s) != len(arr) {
		return "", false
	}
	return strings.Join(s, ","), true
}

// scalars returns the string forms of a scalar or of an array's scalar
// members; nil for anything else.
func scalars(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case json.Number:
		return []string{v.String()}
	case bool:
		return []string{fmt.Sprint(v)}
	case []any:
		var out []string
		for _, e := range v {
			if s := scalars(e); len(s) == 1 {
				if _, nested := e.([]any); !nested {
					out = append(out, s[0])
				}
			}
		}
		return out
	}
	return nil
}
