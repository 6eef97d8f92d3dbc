package desired

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/zeta-net/zeta/bpf/maps/endpointmap"
	"github.com/zeta-net/zeta/bpf/maps/policymap"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/secid"
)

var testConfig = Config{
	Node:        "n1",
	LabelFilter: secid.DefaultFilter,
	TrustDomain: spiffeid.RequireTrustDomainFromString("cluster.local"),
}

func pod(ns, name, node, ip string, labels map[string]string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Spec:       corev1.PodSpec{NodeName: node},
		Status:     corev1.PodStatus{PodIP: ip},
	}
}

// TestCompute follows a small cluster into the maps: identities shared by
// equal label sets, IP cache entries for every pod and the host, local
// endpoints only, and a policy that enforces ingress on one of them.
func TestCompute(t *testing.T) {
	ids, err := secid.NewAllocator("")
	if err != nil {
		t.Fatal(err)
	}
	c := NewCluster()
	c.Namespaces["x"] = &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "x", Labels: map[string]string{"team": "x"}}}
	c.Pods["x/a"] = pod("x", "a", "n1", "10.0.1.2", map[string]string{"app": "a", "pod-template-hash": "123"})
	c.Pods["x/a2"] = pod("x", "a2", "n2", "10.0.2.2", map[string]string{"app": "a", "pod-template-hash": "456"})
	c.Pods["x/b"] = pod("x", "b", "n1", "10.0.1.3", map[string]string{"app": "b"})
	c.Pods["x/pending"] = pod("x", "pending", "n1", "", nil)
	c.NetworkPolicies["x/a"] = &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "x", Name: "a"},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "a"}},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "b"}}}},
			}},
		},
	}
	veths := map[netip.Addr]int{netip.MustParseAddr("10.0.1.2"): 10, netip.MustParseAddr("10.0.1.3"): 11}
	resolve := func(ip netip.Addr) (int, error) {
		if i, ok := veths[ip]; ok {
			return i, nil
		}
		return 0, errors.New("no route")
	}
	host := netip.MustParseAddr("192.168.0.1")

	d, err := Compute(testConfig, c, ids, []netip.Addr{host}, resolve)
	if err != nil {
		t.Fatal(err)
	}
	idA := secid.ID(d.IPCache[netip.MustParsePrefix("10.0.1.2/32")])
	idA2 := secid.ID(d.IPCache[netip.MustParsePrefix("10.0.2.2/32")])
	idB := secid.ID(d.IPCache[netip.MustParsePrefix("10.0.1.3/32")])
	if idA < secid.MinPod || idA != idA2 || idA == idB {
		t.Fatalf("identities a=%d a2=%d b=%d: want equal for a and a2 (pod-template-hash filtered), distinct from b", idA, idA2, idB)
	}
	if got := d.IPCache[netip.MustParsePrefix("192.168.0.1/32")]; got != uint32(secid.Host) {
		t.Errorf("host address identity %d, want %d", got, secid.Host)
	}
	if len(d.IPCache) != 4 {
		t.Errorf("ipcache %v: want three pods and the host", d.IPCache)
	}
	if len(d.Endpoints) != 2 {
		t.Fatalf("endpoints %v, want the two local pods with addresses", d.Endpoints)
	}
	if ep := d.Endpoints[10]; ep.Identity != uint32(idA) || ep.Flags != endpointmap.EnforceIngress {
		t.Errorf("endpoint a %+v, want identity %d with ingress enforced", ep, idA)
	}
	if ep := d.Endpoints[11]; ep.Flags != 0 {
		t.Errorf("endpoint b %+v, want no enforcement", ep)
	}
	k, _ := policymap.KeyOf(10, policy.Entry{Direction: policy.Ingress, Identity: idB})
	if v, ok := d.Policy[k]; !ok || policy.Verdict(v.Verdict) != policy.Allow {
		t.Errorf("no allow from b's identity on a's endpoint in %v", d.Policy)
	}
	if w := d.Snapshot.ByIP[netip.MustParseAddr("10.0.1.3")]; w == nil || w.SPIFFEID != "spiffe://cluster.local/ns/x/sa/default" {
		t.Errorf("snapshot of b: %+v", w)
	}

	// An invalid policy applies nowhere and the rest keeps working.
	bad := c.NetworkPolicies["x/a"].DeepCopy()
	bad.Name = "bad"
	bad.Spec.Ingress[0].Ports = []networkingv1.NetworkPolicyPort{{Protocol: new(corev1.Protocol("ICMP"))}}
	c.NetworkPolicies["x/bad"] = bad
	d2, err := Compute(testConfig, c, ids, []netip.Addr{host}, resolve)
	if err != nil {
		t.Fatal(err)
	}
	if len(d2.Policy) != len(d.Policy) {
		t.Errorf("with an invalid policy: %d entries, want the same %d", len(d2.Policy), len(d.Policy))
	}
	if _, ok := d2.Invalid["x/bad"]; !ok {
		t.Error("invalid policy not recorded")
	}
}
