package authz

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/zeta-net/zeta/agent/l7/internal/jwttest"
	"github.com/zeta-net/zeta/api/v1alpha1"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/l7"
	"github.com/zeta-net/zeta/policy/secid"
)

// testPolicy is a port's policy: peer 7 denied, 8 audited, 9 allowed
// outright, 100 and 101 allowed by HTTP rules, two of which need tokens.
func testPolicy(t *testing.T, shop, ops *jwttest.Issuer, enforced bool) *l7.Policy {
	t.Helper()
	providers := []v1alpha1.JWTProvider{
		{Name: "shop", Issuer: shop.Name, Audiences: []string{"api"}, JWKS: shop.JWKS(t), RemoveToken: true,
			ForwardClaims: []v1alpha1.ClaimHeader{{Claim: "sub", Header: "X-User"}, {Claim: "scope", Header: "x-scopes"}}},
		{Name: "ops", Issuer: ops.Name, JWKS: ops.JWKS(t), FromHeaders: []v1alpha1.JWTHeader{{Name: "X-Ops-Token"}}},
	}
	rule := func(name string, v policy.Verdict, peers ...secid.ID) l7.Rule {
		return l7.Rule{Name: name, Verdict: v, Peers: peers}
	}
	web := rule("web", policy.Allow, 101, 100)
	web.Providers = providers
	web.HTTP = []v1alpha1.HTTPRule{
		{Methods: []string{"GET"}, Paths: []v1alpha1.PathMatch{{Prefix: "/catalogue"}}},
		{Methods: []string{"POST"}, Paths: []v1alpha1.PathMatch{{Exact: "/orders"}},
			JWT: &v1alpha1.JWTRequirement{Providers: []string{"shop"}, RequiredScopes: []string{"orders:write"}}},
		{Paths: []v1alpha1.PathMatch{{Prefix: "/admin"}},
			JWT: &v1alpha1.JWTRequirement{Providers: []string{"ops"}, RequiredClaims: map[string]string{"role": "operator"}}},
	}
	return &l7.Policy{Pod: "shop/api", Port: 8080, Enforced: enforced, Rules: []l7.Rule{
		rule("deny", policy.Deny, 7), rule("audit", policy.Audit, 8), rule("plain", policy.Allow, 9), web,
	}}
}

func TestDecide(t *testing.T) {
	shop := jwttest.NewES256(t, "https://shop", "s1")
	ops := jwttest.NewRS256(t, "ops-ca", "o1")
	good := shop.Token(t, map[string]any{"sub": "alice", "aud": "api", "scope": "orders:read orders:write"})
	noScope := shop.Token(t, map[string]any{"sub": "alice", "aud": "api", "scope": "orders:read"})
	expired := shop.Token(t, map[string]any{"sub": "alice", "aud": "api", "scope": "orders:write", "exp": time.Now().Add(-time.Hour).Unix()})
	operator := ops.Token(t, map[string]any{"sub": "bob", "role": []string{"dev", "operator"}})
	dev := ops.Token(t, map[string]any{"sub": "bob", "role": "dev"})
	bearer := func(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

	tests := []struct {
		name      string
		notEnf    bool
		audit     bool
		peer      secid.ID
		method    string
		path      string
		header    http.Header
		status    int
		reason    string
		rule      string
		passes    bool
		challenge string
	}{
		{name: "no rule for the peer", peer: 5, path: "/", status: 403, reason: ReasonNoRule},
		{name: "not enforced", notEnf: true, peer: 5, path: "/", status: 200, reason: ReasonNotEnforced, passes: true},
		{name: "deny rule", peer: 7, path: "/catalogue", status: 403, reason: ReasonDenyRule, rule: "deny"},
		{name: "audit rule", peer: 8, path: "/", status: 403, reason: ReasonAuditRule, rule: "audit", passes: true},
		{name: "allow without http", peer: 9, method: "DELETE", path: "/x", status: 200, reason: ReasonAllowed, rule: "plain", passes: true},
		{name: "http rule without jwt", peer: 100, method: "GET", path: "/catalogue/1", status: 200, reason: ReasonAllowed, rule: "web", passes: true},
		{name: "no http rule matches", peer: 101, method: "GET", path: "/orders", status: 403, reason: ReasonNoMatch},
		{name: "token missing", peer: 100, method: "POST", path: "/orders", status: 401, reason: "token-missing", rule: "web", challenge: `Bearer error="invalid_token"`},
		{name: "token expired with the scope", peer: 100, method: "POST", path: "/orders", header: bearer(expired), status: 401, reason: "token-expired", rule: "web", challenge: `Bearer error="invalid_token"`},
		{name: "token garbage", peer: 100, method: "POST", path: "/orders", header: bearer("a.b.c"), status: 401, reason: "token-malformed", rule: "web"},
		{name: "token of another issuer", peer: 100, method: "POST", path: "/orders", header: bearer(operator), status: 401, reason: "token-no-key", rule: "web"},
		{name: "scope missing", peer: 100, method: "POST", path: "/orders", header: bearer(noScope), status: 403, reason: ReasonInsufficientScope, rule: "web", challenge: `Bearer error="insufficient_scope"`},
		{name: "scope present", peer: 100, method: "POST", path: "/orders", header: bearer(good), status: 200, reason: ReasonAllowed, rule: "web", passes: true},
		{name: "claim in array", peer: 100, method: "GET", path: "/admin/x", header: http.Header{"X-Ops-Token": {operator}}, status: 200, reason: ReasonAllowed, rule: "web", passes: true},
		{name: "claim differs", peer: 100, method: "GET", path: "/admin", header: http.Header{"X-Ops-Token": {dev}}, status: 403, reason: ReasonMissingClaim, rule: "web", challenge: `Bearer error="insufficient_scope"`},
		{name: "token in the wrong header", peer: 100, method: "GET", path: "/admin", header: bearer(operator), status: 401, reason: "token-missing", rule: "web"},
		{name: "audit mode lets a 401 through", audit: true, peer: 100, method: "POST", path: "/orders", status: 401, reason: "token-missing", rule: "web", passes: true},
		{name: "audit mode lets no-match through", audit: true, peer: 100, method: "PUT", path: "/", status: 403, reason: ReasonNoMatch, passes: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Compile(testPolicy(t, shop, ops, !tt.notEnf), Options{Audit: tt.audit})
			if err != nil {
				t.Fatal(err)
			}
			h := tt.header
			if h == nil {
				h = http.Header{}
			}
			d := e.Decide(context.Background(), &Request{Method: tt.method, Path: tt.path, Header: h, Peer: tt.peer})
			if d.Status != tt.status || d.Reason != tt.reason || d.Rule != tt.rule || d.Passes() != tt.passes {
				t.Fatalf("decision %+v, want status %d reason %s rule %q passes %v", d, tt.status, tt.reason, tt.rule, tt.passes)
			}
			if tt.challenge != "" && d.Challenge() != tt.challenge {
				t.Fatalf("challenge %q, want %q", d.Challenge(), tt.challenge)
			}
		})
	}
}

func TestDecideForwardsClaims(t *testing.T) {
	shop := jwttest.NewES256(t, "https://shop", "s1")
	ops := jwttest.NewRS256(t, "ops-ca", "o1")
	e, err := Compile(testPolicy(t, shop, ops, true), Options{})
	if err != nil {
		t.Fatal(err)
	}
	tok := shop.Token(t, map[string]any{"sub": "alice", "aud": "api", "scope": "orders:write"})
	h := http.Header{"Authorization": {"Bearer " + tok}, "X-User": {"forged"}}
	d := e.Decide(context.Background(), &Request{Method: "POST", Path: "/orders", Header: h, Peer: 100})
	if d.Status != 200 || d.Issuer != "https://shop" || d.Subject != "alice" {
		t.Fatalf("decision %+v", d)
	}
	d.Apply(h)
	if h.Get("X-User") != "alice" || h.Get("X-Scopes") != "orders:write" || h.Get("Authorization") != "" {
		t.Fatalf("headers after Apply: %v", h)
	}
	// A request allowed without a token cannot forge forwarded claims.
	h = http.Header{"X-User": {"forged"}, "Authorization": {"Bearer keep"}}
	d = e.Decide(context.Background(), &Request{Method: "GET", Path: "/catalogue", Header: h, Peer: 100})
	d.Apply(h)
	if _, ok := h["X-User"]; ok || h.Get("Authorization") != "Bearer keep" {
		t.Fatalf("headers after Apply: %v", h)
	}
}

func TestCompileUnknownProvider(t *testing.T) {
	p := &l7.Policy{Rules: []l7.Rule{{Name: "r", Verdict: policy.Allow, Peers: []secid.ID{secid.Any},
		HTTP: []v1alpha1.HTTPRule{{JWT: &v1alpha1.JWTRequirement{Providers: []string{"nope"}}}}}}}
	if _, err := Compile(p, Options{}); err == nil {
		t.Fatal("a requirement naming no provider compiled")
	}
}
