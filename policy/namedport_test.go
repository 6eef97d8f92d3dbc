package policy

import (
	corev1 "k8s.io/api/core/v1"
	"slices"
	"testing"

	"github.com/zeta-net/zeta/policy/secid"
)

// TestCompileIngressNamedPorts resolves names on the endpoint itself.
func TestCompileIngressNamedPorts(t *testing.T) {
	tests := []struct {
		name     string
		pod      string
		ports    string
		protocol uint8
		port     uint16
		want     bool
	}{
		{"a names http 80", "x/a", `[{port: http}]`, protoTCP, 80, true},
		{"a: not 8080", "x/a", `[{port: http}]`, protoTCP, 8080, false},
		{"b names http 8080", "x/b", `[{port: http}]`, protoTCP, 8080, true},
		{"b: not 80", "x/b", `[{port: http}]`, protoTCP, 80, false},
		{"protocol must match the container port's", "x/a", `[{port: http, protocol: UDP}]`, protoUDP, 80, false},
		{"UDP name", "x/a", `[{port: dns, protocol: UDP}]`, protoUDP, 53, true},
		{"UDP name, not TCP", "x/a", `[{port: dns, protocol: UDP}]`, protoTCP, 53, false},
		{"sidecar port", "x/c", `[{port: metrics}]`, protoTCP, 9090, true},
		{"plain init container port does not count", "x/c", `[{port: http}]`, protoTCP, 7070, false},
		{"unknown name matches nothing", "x/a", `[{port: nope}]`, protoTCP, 80, false},
	}
	c := newCluster()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := c.input(policy(t, `{metadata: {name: p, namespace: x}, spec: {podSelector: {}, ingress: [{ports: `+tt.ports+`}]}}`))
			ep := c.compile(t, in, tt.pod)
			for _, peer := range []secid.ID{c.ids["y/a"], secid.World} {
				if v := Evaluate(ep, Ingress, peer, tt.protocol, tt.port).Verdict; (v == Allow) != tt.want {
					t.Errorf("peer %v: %v, want allowed %v", peer, v, tt.want)
				}
			}
		})
	}
}

// TestCompileEgressNamedPorts resolves names on each destination.
func TestCompileEgressNamedPorts(t *testing.T) {
	c := newCluster()
	checks := []struct {
		port uint16
		want []string
	}{
		{80, []string{"x/a", "y/a", "z/a"}},
		{8080, []string{"x/b", "y/b", "z/b"}},
		{7070, nil},
	}
	for _, to := range []string{`[{namespaceSelector: {}}]`, `[]`} {
		t.Run("to "+to, func(t *testing.T) {
			in := c.input(policy(t, `{metadata: {name: p, namespace: x}, spec: {podSelector: {}, policyTypes: [Egress], egress: [{to: `+to+`, ports: [{port: http}]}]}}`))
			ep := c.compile(t, in, "x/c")
			for _, ck := range checks {
				if got := c.allowed(ep, Egress, protoTCP, ck.port); !slices.Equal(got, ck.want) {
					t.Errorf("TCP/%d: allowed = %v, want %v", ck.port, got, ck.want)
				}
			}
			for _, e := range ep.Entries {
				if e.Identity.Reserved() {
					t.Errorf("entry %+v: a named port resolves to pod identities only", e)
				}
			}
		})
	}

	t.Run("without IdentitiesOf", func(t *testing.T) {
		comp := NewCompiler(Options{})
		comp.SetPolicies(Policies{NetworkPolicies: policies(t, `{metadata: {name: p, namespace: x}, spec: {podSelector: {}, egress: [{ports: [{port: http}]}]}}`)})
		identities := map[secid.ID]secid.Labels{}
		var pods []*corev1.Pod
		for _, name := range podNames {
			identities[c.ids[name]] = c.base[name]
			pods = append(pods, c.pods[name])
		}
		comp.SetPeers(Peers{Identities: identities, Pods: pods})
		ep, err := comp.Compile(Endpoint{Identity: c.ids["x/c"], Pod: c.pods["x/c"]})
		if err != nil || len(ep.Entries) != 1 { // host access only
			t.Errorf("Entries = %+v, %v; want host access only", ep.Entries, err)
		}
	})
}
