package desired

import (
	"maps"
	"net/netip"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/zeta-net/zeta/api/v1alpha1"
	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/maps/interceptmap"
	"github.com/zeta-net/zeta/policy"
)

// TestComputeIntercepts: the intercept map names the ports of every pod
// of the cluster, this node's or not, whose ingress policy redirects to a
// proxy, at each of the pod's addresses: single ports and port ranges (as
// their prefixes), with the L7 proxy for HTTP rules and the mutual TLS one
// otherwise. Plain allows and UDP are not intercepted, and without a
// redirecting policy the map is empty.
func TestComputeIntercepts(t *testing.T) {
	c := NewCluster()
	c.Pods["x/a"] = pod("x", "a", "n1", "10.0.1.2", map[string]string{"app": "a"})
	c.Pods["x/b"] = dualStack("x", "b", "n2", "10.0.2.3", "fd00::3", map[string]string{"app": "b"})
	fromA := []v1alpha1.Peer{{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "a"}}}}
	c.ZeroTrustPolicies["x/b"] = &v1alpha1.ZeroTrustPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "x", Name: "b"},
		Spec: v1alpha1.ZeroTrustPolicySpec{
			Selector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "b"}},
			Ingress: []v1alpha1.Rule{
				{Name: "mesh", From: fromA, Ports: []v1alpha1.PortRange{{Port: 8443}}, Authentication: v1alpha1.AuthenticationMutualTLS},
				{Name: "api", From: fromA, Ports: []v1alpha1.PortRange{{Port: 8080}}, HTTP: []v1alpha1.HTTPRule{{Methods: []string{"GET"}}}},
				{Name: "range", Ports: []v1alpha1.PortRange{{Port: 9000, EndPort: 9003}}, Authentication: v1alpha1.AuthenticationMutualTLS},
				{Name: "dns", Ports: []v1alpha1.PortRange{{Protocol: corev1.ProtocolUDP, Port: 53}}, Authentication: v1alpha1.AuthenticationMutualTLS},
				{Name: "plain", Ports: []v1alpha1.PortRange{{Port: 80}}},
			},
		},
	}
	d := computeOnce(t, testConfig, c)
	if len(d.Invalid) != 0 {
		t.Fatalf("invalid policies: %v", d.Invalid)
	}
	want := map[interceptmap.Key]interceptmap.Value{}
	for _, ip := range []string{"10.0.2.3", "fd00::3"} {
		for _, e := range []interceptmap.Entry{
			{Port: 8080, PortPrefix: 16, ProxyPort: policy.DefaultL7ProxyPort, Flags: interceptmap.L7},
			{Port: 8443, PortPrefix: 16, ProxyPort: policy.DefaultMutualTLSProxyPort, Flags: interceptmap.MutualTLS},
			{Port: 9000, PortPrefix: 14, ProxyPort: policy.DefaultMutualTLSProxyPort, Flags: interceptmap.MutualTLS},
		} {
			e.Addr, e.Protocol = netip.MustParseAddr(ip), bpf.ProtoTCP
			k, v := interceptmap.KeyOf(e)
			want[k] = v
		}
	}
	if !maps.Equal(d.Intercept, want) {
		t.Errorf("intercept entries:\n got %v\nwant %v", entries(d.Intercept), entries(want))
	}

	c.ZeroTrustPolicies["x/b"].Spec.Ingress = c.ZeroTrustPolicies["x/b"].Spec.Ingress[4:]
	if d := computeOnce(t, testConfig, c); len(d.Intercept) != 0 {
		t.Errorf("intercept entries without a redirect: %v", entries(d.Intercept))
	}
}

func entries(m map[interceptmap.Key]interceptmap.Value) []interceptmap.Entry {
	var out []interceptmap.Entry
	for k, v := range m {
		out = append(out, k.Entry(v))
	}
	return out
}
