package policy

import (
	"slices"
	"testing"
)

// TestCompileIPBlock checks exact ipBlock semantics: a block selects every
// address inside it and outside its exceptions, pods' addresses included
// (one family at a time), and CIDR identities stand for the addresses
// outside the cluster's pods. The reserved world is only what no policy
// prefix names. Probes are x/a's egress on TCP/80.
func TestCompileIPBlock(t *testing.T) {
	egress := func(to string) string {
		return `{metadata: {name: p, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], egress: [{to: ` + to + `}]}}`
	}
	everyPodV4 := []string{"x/a(v4)", "x/b(v4)", "x/c(v4)", "y/a(v4)", "y/b(v4)", "y/c(v4)", "z/a(v4)", "z/b(v4)", "z/c(v4)"}
	for _, tc := range []struct {
		name string
		to   string
		want []string
	}{
		{"except a pod, IPv4: the upstream e2e test's shape",
			`[{ipBlock: {cidr: 10.0.2.0/24, except: [10.0.2.2/32]}}]`,
			[]string{"y/a(v4)", "y/c(v4)", "10.0.2.0/24"}},
		{"except a pod, IPv6",
			`[{ipBlock: {cidr: "fd00:0:0:2::/64", except: ["fd00:0:0:2::2/128"]}}]`,
			[]string{"y/a(v6)", "y/c(v6)", "fd00:0:0:2::/64"}},
		{"both families: every pod but y/b, on both",
			`[{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.2.2/32]}}, {ipBlock: {cidr: "fd00::/48", except: ["fd00:0:0:2::2/128"]}}]`,
			[]string{"x/a", "x/b", "x/c", "y/a", "y/c", "z/a", "z/b", "z/c", "10.0.0.0/16", "fd00::/48"}},
		{"except a subnet; addresses outside the block are not selected",
			`[{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.1.0/24, 10.0.3.0/24]}}]`,
			[]string{"y/a(v4)", "y/b(v4)", "y/c(v4)", "10.0.0.0/8"}},
		{"0.0.0.0/0: every IPv4 address, none of IPv6, and not the reserved world",
			`[{ipBlock: {cidr: 0.0.0.0/0}}]`,
			append(slices.Clone(everyPodV4), "0.0.0.0/0")},
		{"::/0 next to a selector",
			`[{ipBlock: {cidr: "::/0"}}, {podSelector: {matchLabels: {pod: b}}}]`,
			[]string{"x/a(v6)", "x/b", "x/c(v6)", "y/a(v6)", "y/b(v6)", "y/c(v6)", "z/a(v6)", "z/b(v6)", "z/c(v6)", "::/0"}},
		{"a block and a selector stay apart: selectors never select CIDR identities",
			`[{namespaceSelector: {}}, {ipBlock: {cidr: 192.0.2.0/24}}]`,
			[]string{"x/a", "x/b", "x/c", "y/a", "y/b", "y/c", "z/a", "z/b", "z/c", "192.0.2.0/24"}},
		{"a block naming one pod exactly",
			`[{ipBlock: {cidr: 10.0.3.3/32}}]`,
			[]string{"z/c(v4)", "10.0.3.3/32"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster()
			w := c.world(t, c.input(policy(t, egress(tc.to))))
			if got := w.allowed(w.compile(t, "x/a"), Egress, protoTCP, 80); !slices.Equal(got, tc.want) {
				t.Errorf("allowed = %v\n want %v", got, tc.want)
			}
		})
	}
}

// TestCompileIPBlockIngress: an ingress ipBlock over pod addresses, with
// an except, next to a rule for one pod on another port.
func TestCompileIPBlockIngress(t *testing.T) {
	c := newCluster()
	w := c.world(t, c.input(policy(t, `
metadata: {name: p, namespace: x}
spec:
  podSelector: {}
  ingress:
  - from: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.1.0/24]}}]
    ports: [{port: 80}]
  - from: [{podSelector: {matchLabels: {pod: b}}}]
    ports: [{port: 81}]
`)))
	ep := w.compile(t, "x/c")
	for _, ck := range []struct {
		port uint16
		want []string
	}{
		{80, []string{"y/a(v4)", "y/b(v4)", "y/c(v4)", "z/a(v4)", "z/b(v4)", "z/c(v4)", "10.0.0.0/16", "host"}},
		{81, []string{"x/b", "host"}},
	} {
		if got := w.allowed(ep, Ingress, protoTCP, ck.port); !slices.Equal(got, ck.want) {
			t.Errorf("TCP/%d: allowed = %v\n want %v", ck.port, got, ck.want)
		}
	}
}
