package v1alpha1

import (
	"testing"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
)

func TestPrincipal(t *testing.T) {
	td := spiffeid.RequireTrustDomainFromString("cluster.local")
	other := spiffeid.RequireTrustDomainFromString("other.org")
	for _, tc := range []struct {
		principal string
		td        spiffeid.TrustDomain
		ns, sa    string
		want      bool
	}{
		{"spiffe://cluster.local/ns/shop/sa/api", td, "shop", "api", true},
		{"spiffe://cluster.local/ns/shop/sa/api", td, "shop", "web", false},
		{"spiffe://cluster.local/ns/shop/sa/api", td, "batch", "api", false},
		{"spiffe://cluster.local/ns/shop/sa/api", other, "shop", "api", false},
		{"spiffe://cluster.local/ns/shop/sa/*", td, "shop", "web", true},
		{"spiffe://cluster.local/ns/*/sa/api", td, "batch", "api", true},
		{"spiffe://cluster.local/ns/*/sa/*", td, "any", "thing", true},
		{"spiffe://cluster.local/ns/*/sa/*", other, "any", "thing", false},
	} {
		p, err := ParsePrincipal(tc.principal)
		if err != nil {
			t.Fatalf("parse %s: %v", tc.principal, err)
		}
		if p.String() != tc.principal {
			t.Errorf("%s: String() = %s", tc.principal, p)
		}
		if got := p.Matches(tc.td, tc.ns, tc.sa); got != tc.want {
			t.Errorf("%s matches %s/%s/%s: %v, want %v", tc.principal, tc.td, tc.ns, tc.sa, got, tc.want)
		}
	}
}
