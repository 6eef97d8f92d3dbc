package jwt

import (
	"context"
	"net/http"
	"strings"
	"time"
)

// Defaults of a provider's settings, as the API documents them.
const (
	DefaultClockSkew     = 60 * time.Second
	DefaultMaxTokenBytes = 8192
)

// DefaultHeaders is where tokens are read from when a provider names no
// header: "Authorization: Bearer <token>" (RFC 6750).
var DefaultHeaders = []Header{{Name: "Authorization", Prefix: "Bearer "}}

// KeySource gives the current key set of a provider. kid is the key ID of
// the token being verified ("" if it has none): a source that fetches its
// set may refresh it when it does not know kid.
type KeySource interface {
	KeySet(ctx context.Context, kid string) (*KeySet, error)
}

// Header is a request header carrying a token after an optional prefix.
type Header struct {
	Name   string
	Prefix string
}

// Provider is a token issuer as a policy configures it.
type Provider struct {
	// Name is the provider's name in its policy; it keys the cache
	// together with the token, so it must be unique among the providers
	// sharing a Cache.
	Name      string
	Issuer    string
	Audiences []string
	Keys      KeySource
	// ClockSkew is the leeway on exp and nbf, used as it is: set it to
	// DefaultClockSkew when the policy leaves it unset. MaxTokenBytes
	// refuses longer tokens and Headers are where tokens are read from;
	// zero values mean the defaults.
	ClockSkew         time.Duration
	MaxTokenBytes     int
	Headers           []Header
	RequireExpiration bool
}

// FromRequest returns the first token found in the provider's headers
// and the header it came from. A header value that lacks the prefix
// (compared case-insensitively, as HTTP auth schemes are) carries no
// token for this provider.
func (p *Provider) FromRequest(h http.Header) (token, header string, ok bool) {
	hs := p.Headers
	if len(hs) == 0 {
		hs = DefaultHeaders
	}
	for _, ph := range hs {
		for _, v := range h.Values(ph.Name) {
			if len(v) < len(ph.Prefix) || !strings.EqualFold(v[:len(ph.Prefix)], ph.Prefix) {
				continue
			}
			if t := strings.TrimSpace(v[len(ph.Prefix):]); t != "" {
				return t, ph.Name, true
			}
		}
	}
	return "", "", false
}

func (p *Provider) maxTokenBytes() int {
	if p.MaxTokenBytes <= 0 {
		return DefaultMaxTokenBytes
	}
	return p.MaxTokenBytes
}
