package jwt

import "errors"

// Reasons a token is refused. Verify wraps one of them; callers branch
// with errors.Is and report Reason.
var (
	ErrMissing      = errors.New("no token")
	ErrTooLarge     = errors.New("token too large")
	ErrMalformed    = errors.New("malformed token")
	ErrAlgorithm    = errors.New("algorithm not accepted")
	ErrNoKey        = errors.New("no key for the token")
	ErrSignature    = errors.New("bad signature")
	ErrIssuer       = errors.New("wrong issuer")
	ErrAudience     = errors.New("wrong audience")
	ErrExpired      = errors.New("token expired")
	ErrNotYetValid  = errors.New("token not yet valid")
	ErrNoExpiration = errors.New("token has no exp")
	ErrKeys         = errors.New("key set unavailable")
)

// Reason is a short, bounded name of why err refused a token, for metrics
// and decision records: "expired", "signature", ...; "invalid" for an
// error that is none of the sentinels.
func Reason(err error) string {
	for _, r := range []struct {
		err  error
		name string
	}{
		{ErrMissing, "missing"}, {ErrTooLarge, "too-large"}, {ErrMalformed, "malformed"},
		{ErrAlgorithm, "algorithm"}, {ErrNoKey, "no-key"}, {ErrSignature, "signature"},
		{ErrIssuer, "issuer"}, {ErrAudience, "audience"}, {ErrExpired, "expired"},
		{ErrNotYetValid, "not-yet-valid"}, {ErrNoExpiration, "no-exp"}, {ErrKeys, "keys-unavailable"},
	} {
		if errors.Is(err, r.err) {
			return r.name
		}
	}
	return "invalid"
}
