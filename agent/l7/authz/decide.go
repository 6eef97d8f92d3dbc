package authz

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/zeta-net/zeta/agent/l7/jwt"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/secid"
)

// Request is what a decision looks at.
type Request struct {
	Method string
	// Host is the Host header or :authority, possibly with a port.
	Host string
	// Path is the percent-decoded path, normalised by CleanPath.
	Path   string
	Header http.Header
	// Peer is the identity of the client: its pod's, or reserved:world.
	Peer secid.ID
}

// authn is the outcome of verifying the request's token for one provider,
// remembered for the request's other rules.
type authn struct {
	p      *provider
	claims *jwt.Claims
	header string
	err    error
}

// Decide judges a request (see the package documentation).
func (e *Engine) Decide(ctx context.Context, r *Request) Decision {
	d := e.decide(ctx, r)
	if !d.Passes() && e.audit {
		d.Audit = true
	}
	d.remove = append(slices.Clone(e.strip), d.remove...)
	return d
}

func (e *Engine) decide(ctx context.Context, r *Request) Decision {
	var applies []*rule
	for i := range e.rules {
		ru := &e.rules[i]
		if _, ok := slices.BinarySearch(ru.peers, secid.Any); ok {
			applies = append(applies, ru)
		} else if _, ok := slices.BinarySearch(ru.peers, r.Peer); ok {
			applies = append(applies, ru)
		}
	}
	if len(applies) == 0 {
		if !e.enforced {
			return Decision{Status: http.StatusOK, Reason: ReasonNotEnforced}
		}
		return Decision{Status: http.StatusForbidden, Reason: ReasonNoRule}
	}
	for _, v := range []policy.Verdict{policy.Deny, policy.Audit} {
		if i := slices.IndexFunc(applies, func(ru *rule) bool { return ru.verdict == v }); i >= 0 {
			if v == policy.Deny {
				return Decision{Status: http.StatusForbidden, Reason: ReasonDenyRule, Rule: applies[i].name}
			}
			return Decision{Status: http.StatusForbidden, Audit: true, Reason: ReasonAuditRule, Rule: applies[i].name}
		}
	}
	var (
		memo           []authn
		unauth, forbid *Decision
	)
	for _, ru := range applies {
		if len(ru.http) == 0 {
			return Decision{Status: http.StatusOK, Reason: ReasonAllowed, Rule: ru.name}
		}
		for _, h := range ru.http {
			if !h.match.Match(r.Method, r.Host, r.Path, r.Header) {
				continue
			}
			if h.jwt == nil {
				return Decision{Status: http.StatusOK, Reason: ReasonAllowed, Rule: ru.name}
			}
			d := h.jwt.judge(ctx, e.verifier, r.Header, &memo)
			d.Rule = ru.name
			switch {
			case d.Status == http.StatusOK:
				return d
			case d.Status == http.StatusUnauthorized && unauth == nil:
				unauth = &d
			case d.Status == http.StatusForbidden && forbid == nil:
				forbid = &d
			}
		}
	}
	switch {
	case forbid != nil:
		return *forbid
	case unauth != nil:
		return *unauth
	}
	return Decision{Status: http.StatusForbidden, Reason: ReasonNoMatch}
}

// judge authenticates the request with the requirement's providers, the
// first that verifies its token winning, then checks scopes and claims.
func (j *jwtRequirement) judge(ctx context.Context, v *jwt.Verifier, h http.Header, memo *[]authn) Decision {
	last := jwt.ErrMissing
	for _, p := range j.providers {
		a := authenticate(ctx, v, p, h, memo)
		if a.err != nil {
			if !errors.Is(a.err, jwt.ErrMissing) || errors.Is(last, jwt.ErrMissing) {
				last = a.err
			}
			continue
		}
		d := Decision{Issuer: a.claims.Issuer, Subject: a.claims.Subject}
		switch {
		case len(a.claims.MissingScopes(j.scopes)) > 0:
			d.Status, d.Reason = http.StatusForbidden, ReasonInsufficientScope
		case len(a.claims.MissingClaims(j.claims)) > 0:
			d.Status, d.Reason = http.StatusForbidden, ReasonMissingClaim
		default:
			d.Status, d.Reason = http.StatusOK, ReasonAllowed
			d.set = http.Header{}
			for _, f := range p.forward {
				if val, ok := a.claims.Value(f.Claim); ok {
					d.set.Set(f.Header, val)
				}
			}
			if p.removeToken {
				d.remove = []string{a.header}
			}
		}
		return d
	}
	return Decision{Status: http.StatusUnauthorized, Reason: ReasonTokenPrefix + jwt.Reason(last)}
}

// authenticate verifies the request's token for p, once per request.
func authenticate(ctx context.Context, v *jwt.Verifier, p *provider, h http.Header, memo *[]authn) authn {
	if i := slices.IndexFunc(*memo, func(a authn) bool { return a.p == p }); i >= 0 {
		return (*memo)[i]
	}
	a := authn{p: p}
	token, header, ok := p.FromRequest(h)
	if !ok {
		a.err = jwt.ErrMissing
	} else {
		a.header = header
		a.claims, a.err = v.Verify(ctx, &p.Provider, token)
	}
	*memo = append(*memo, a)
	return a
}
