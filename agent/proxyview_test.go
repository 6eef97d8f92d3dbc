package agent

import (
	"net/netip"
	"testing"

	"github.com/spiffe/go-spiffe/v2/spiffeid"

	"github.com/zeta-net/zeta/agent/desired"
	"github.com/zeta-net/zeta/agent/tunnel"
	"github.com/zeta-net/zeta/bpf/maps/interceptmap"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/secid"
)

// testView: pod x/b (identity 300) on node-2 with port 80 intercepted for
// mutual TLS, whose rules deny sa bad, allow sa a; x/a (301) on node-1.
func testView(enforced bool) *proxyView {
	td := spiffeid.RequireTrustDomainFromString("cluster.local")
	b := &desired.Workload{Namespace: "x", Name: "b", Node: "node-2", Identity: 300, SPIFFEID: "spiffe://cluster.local/ns/x/sa/default",
		IPs: []netip.Addr{netip.MustParseAddr("10.0.2.5")}}
	a := &desired.Workload{Namespace: "x", Name: "a", Node: "node-1", Identity: 301, SPIFFEID: "spiffe://cluster.local/ns/x/sa/a",
		IPs: []netip.Addr{netip.MustParseAddr("10.0.1.5")}}
	e := interceptmap.Entry{Addr: b.IPs[0], Port: 80, PortPrefix: 16, ProxyPort: 15008, Flags: interceptmap.MutualTLS}
	return &proxyView{
		node: "node-2", td: td,
		byIP:       map[netip.Addr]*desired.Workload{b.IPs[0]: b, a.IPs[0]: a},
		nodes:      map[string][]netip.Addr{"node-1": {netip.MustParseAddr("192.168.0.1")}, "node-2": {netip.MustParseAddr("192.168.0.2")}},
		intercepts: []interceptmap.Entry{e},
		rules: map[string][]portRules{"x/b": {{entry: e, enforced: enforced, rules: []policy.AppliedRule{
			{Ref: policy.RuleRef{Kind: "ZeroTrustPolicy", Namespace: "x", Name: "p", Index: 0}, Verdict: policy.Deny, Peers: []secid.ID{302}},
			{Ref: policy.RuleRef{Kind: "ZeroTrustPolicy", Namespace: "x", Name: "p", Index: 1}, Verdict: policy.Redirect, Peers: []secid.ID{301}},
		}}}},
		principals: map[nsSA][]secid.ID{{"x", "a"}: {301}, {"x", "bad"}: {302}, {"x", "other"}: {303}},
		ids:        map[spiffeid.ID]bool{spiffeid.RequireFromString(b.SPIFFEID): true},
	}
}

// TestProxyViewAuthorize: a Deny rule naming the peer's identities wins,
// another matching rule allows, no match denies where ingress is
// enforced and allows where it is not; a foreign trust domain, a
// malformed workload ID and a port without rules are denied.
func TestProxyViewAuthorize(t *testing.T) {
	b := tunnel.Workload{Namespace: "x", Pod: "b"}
	for _, tc := range []struct {
		name     string
		peer     string
		port     uint16
		enforced bool
		allow    bool
	}{
		{"allowed principal", "spiffe://cluster.local/ns/x/sa/a", 80, true, true},
		{"denied principal", "spiffe://cluster.local/ns/x/sa/bad", 80, false, false},
		{"no rule, enforced", "spiffe://cluster.local/ns/x/sa/other", 80, true, false},
		{"no rule, not enforced", "spiffe://cluster.local/ns/x/sa/other", 80, false, true},
		{"foreign trust domain", "spiffe://elsewhere/ns/x/sa/a", 80, false, false},
		{"not a workload id", "spiffe://cluster.local/ns/x/sa/a/extra", 80, false, false},
		{"port without rules", "spiffe://cluster.local/ns/x/sa/a", 81, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := testView(tc.enforced).Authorize(spiffeid.RequireFromString(tc.peer), b, tc.port)
			if d.Allow != tc.allow {
				t.Errorf("Authorize = %+v, want allow %v", d, tc.allow)
			}
		})
	}
}

// TestProxyViewRoutes: a local pod is a source and a LocalPods pod; a
// remote pod's intercepted port routes to its node's tunnel port with
// mutual TLS; an unknown address has no route.
func TestProxyViewRoutes(t *testing.T) {
	v := testView(true)
	if _, ok := v.Source(netip.MustParseAddr("10.0.1.5")); ok {
		t.Error("x/a, on another node, is a source here")
	}
	if w, ok := v.Pod(netip.MustParseAddr("10.0.2.5")); !ok || w.Pod != "b" {
		t.Errorf("Pod(10.0.2.5) = %+v, %v; want x/b", w, ok)
	}
	v.node = "node-1"
	r, ok := v.Destination(netip.MustParseAddrPort("10.0.2.5:80"))
	if !ok || !r.MutualTLS || r.Node != netip.MustParseAddrPort("192.168.0.2:15008") || r.Workload.ID.String() != "spiffe://cluster.local/ns/x/sa/default" {
		t.Errorf("Destination(x/b:80) = %+v, %v", r, ok)
	}
	if r, ok := v.Destination(netip.MustParseAddrPort("10.0.2.5:81")); !ok || r.MutualTLS {
		t.Errorf("Destination(x/b:81) = %+v, %v; want a route without the tunnel", r, ok)
	}
	if _, ok := v.Destination(netip.MustParseAddrPort("10.9.9.9:80")); ok {
		t.Error("an unknown address has a route")
	}
}
