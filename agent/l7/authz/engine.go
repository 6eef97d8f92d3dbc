package authz

import (
	"fmt"
	"net/textproto"
	"slices"
	"time"

	"github.com/zeta-net/zeta/agent/l7/jwks"
	"github.com/zeta-net/zeta/agent/l7/jwt"
	"github.com/zeta-net/zeta/api/v1alpha1"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/l7"
	"github.com/zeta-net/zeta/policy/secid"
)

// Options are what an Engine is compiled with.
type Options struct {
	// Keys provides the providers' key sets; Verifier verifies tokens
	// (its cache and clock shared by every engine using it).
	Keys     *jwks.Pool
	Verifier *jwt.Verifier
	// Audit lets requests that would be denied through (audit mode).
	Audit bool
}

// Engine judges the requests to one pod port. It is safe for concurrent
// use and never modified once compiled.
type Engine struct {
	enforced bool
	audit    bool
	rules    []rule
	verifier *jwt.Verifier
	// strip are the headers claims are forwarded in: removed from every
	// request so that only the proxy sets them.
	strip []string
}

type rule struct {
	name    string
	verdict policy.Verdict
	peers   []secid.ID // sorted
	http    []httpRule
}

type httpRule struct {
	match Matcher
	jwt   *jwtRequirement
}

type jwtRequirement struct {
	providers []*provider
	scopes    []string
	claims    map[string]string
}

// provider is a JWT provider with what it forwards to the workload.
type provider struct {
	jwt.Provider
	forward     []v1alpha1.ClaimHeader
	removeToken bool
}

// Compile returns the engine of an L7 policy. Providers are built once
// per policy, so rules of one policy share their verifications.
func Compile(p *l7.Policy, opts Options) (*Engine, error) {
	e := &Engine{enforced: p.Enforced, audit: opts.Audit, verifier: opts.Verifier}
	if e.verifier == nil {
		e.verifier = &jwt.Verifier{}
	}
	built := map[*v1alpha1.JWTProvider]*provider{}
	for _, r := range p.Rules {
		out := rule{name: r.Name, verdict: r.Verdict, peers: slices.Sorted(slices.Values(r.Peers))}
		byName := map[string]*provider{}
		var all []*provider
		for i := range r.Providers {
			v := &r.Providers[i]
			pr, ok := built[v]
			if !ok {
				var err error
				if pr, err = newProvider(v, opts.Keys); err != nil {
					return nil, fmt.Errorf("compile %s: provider %s: %w", r.Name, v.Name, err)
				}
				built[v] = pr
				for _, f := range v.ForwardClaims {
					e.strip = append(e.strip, textproto.CanonicalMIMEHeaderKey(f.Header))
				}
			}
			byName[v.Name] = pr
			all = append(all, pr)
		}
		for i := range r.HTTP {
			h := &r.HTTP[i]
			hr := httpRule{match: NewMatcher(h)}
			if h.JWT != nil {
				req := &jwtRequirement{providers: all, scopes: h.JWT.RequiredScopes, claims: h.JWT.RequiredClaims}
				if len(h.JWT.Providers) > 0 {
					req.providers = nil
					for _, n := range h.JWT.Providers {
						pr, ok := byName[n]
						if !ok {
							return nil, fmt.Errorf("compile %s: http[%d]: no JWT provider %q", r.Name, i, n)
						}
						req.providers = append(req.providers, pr)
					}
				}
				hr.jwt = req
			}
			out.http = append(out.http, hr)
		}
		e.rules = append(e.rules, out)
	}
	slices.Sort(e.strip)
	e.strip = slices.Compact(e.strip)
	return e, nil
}

func newProvider(v *v1alpha1.JWTProvider, keys *jwks.Pool) (*provider, error) {
	if keys == nil {
		keys = &jwks.Pool{}
	}
	src, err := keys.Source(v.JWKS, v.JWKSFile, v.JWKSURI)
	if err != nil {
		return nil, err
	}
	p := &provider{forward: v.ForwardClaims, removeToken: v.RemoveToken}
	p.Name, p.Issuer, p.Audiences, p.Keys = v.Name, v.Issuer, v.Audiences, src
	p.RequireExpiration = v.RequireExpiration
	p.ClockSkew = jwt.DefaultClockSkew
	if v.ClockSkewSeconds != nil {
		p.ClockSkew = time.Duration(*v.ClockSkewSeconds) * time.Second
	}
	if v.MaxTokenBytes != nil {
		p.MaxTokenBytes = int(*v.MaxTokenBytes)
	}
	for _, h := range v.FromHeaders {
		p.Headers = append(p.Headers, jwt.Header{Name: h.Name, Prefix: h.Prefix})
	}
	return p, nil
}
