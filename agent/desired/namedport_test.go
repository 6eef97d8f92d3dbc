package desired

import (
	"net/netip"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/secid"
)

// TestComputeEgressNamedPortsPerPod: an egress rule to a named port
// allows, on each destination pod, the port that pod names, even when
// pods of equal labels name different numbers: while such a rule exists
// their identities tell their named ports apart, and not otherwise.
func TestComputeEgressNamedPortsPerPod(t *testing.T) {
	withPort := func(name, ip string, port int32) *corev1.Pod {
		p := pod("x", name, "n2", ip, map[string]string{"app": "web"})
		p.Spec.Containers = []corev1.Container{{Name: "c", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: port}}}}
		return p
	}
	c := NewCluster()
	c.Pods["x/client"] = pod("x", "client", "n1", "10.0.1.2", map[string]string{"app": "client"})
	c.Pods["x/old"] = withPort("old", "10.0.2.2", 8080)
	c.Pods["x/new"] = withPort("new", "10.0.2.3", 9090)
	c.Pods["x/new2"] = withPort("new2", "10.0.2.4", 9090)
	ids := func(d *State, ip string) secid.ID { return secid.ID(d.IPCache[netip.MustParsePrefix(ip+"/32")]) }

	d := computeOnce(t, testConfig, c)
	if ids(d, "10.0.2.2") != ids(d, "10.0.2.3") {
		t.Fatal("without an egress named-port rule, pods of equal labels must share an identity")
	}

	named := intstr.FromString("http")
	c.NetworkPolicies["x/egress"] = &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "x", Name: "egress"},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "client"}},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
			Egress:      []networkingv1.NetworkPolicyEgressRule{{Ports: []networkingv1.NetworkPolicyPort{{Port: &named}}}},
		},
	}
	d = computeOnce(t, testConfig, c)
	old, nw, nw2 := ids(d, "10.0.2.2"), ids(d, "10.0.2.3"), ids(d, "10.0.2.4")
	if old == nw || nw != nw2 {
		t.Fatalf("identities old=%d new=%d new2=%d: want old apart, new and new2 shared", old, nw, nw2)
	}
	ep := policy.EndpointPolicy{EnforceEgress: true}
	for k, v := range d.Policy {
		if k.Endpoint == 10 {
			ep.Entries = append(ep.Entries, k.Entry(v))
		}
	}
	for _, ck := range []struct {
		peer secid.ID
		port uint16
		want policy.Verdict
	}{
		{old, 8080, policy.Allow}, {old, 9090, policy.Deny},
		{nw, 9090, policy.Allow}, {nw, 8080, policy.Deny},
	} {
		if got := policy.Evaluate(ep, policy.Egress, ck.peer, 6, ck.port).Verdict; got != ck.want {
			t.Errorf("egress to identity %d port %d: %v, want %v", ck.peer, ck.port, got, ck.want)
		}
	}
}
