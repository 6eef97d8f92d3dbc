package desired

import (
	"errors"
	"maps"
	"net/netip"
	"slices"
	"testing"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/zeta-net/zeta/api/v1alpha1"
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

	comp := NewComputer(testConfig, ids)
	d, err := comp.Compute(c, []netip.Addr{host}, resolve)
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
	d2, err := comp.Compute(c, []netip.Addr{host}, resolve)
	if err != nil {
		t.Fatal(err)
	}
	if len(d2.Policy) != len(d.Policy) {
		t.Errorf("with an invalid policy: %d entries, want the same %d", len(d2.Policy), len(d.Policy))
	}
	if _, ok := d2.Invalid["NetworkPolicy x/bad"]; !ok {
		t.Error("invalid policy not recorded")
	}
}

// dualStack is a pod with an IPv4 and an IPv6 address.
func dualStack(ns, name, node, ip4, ip6 string, labels map[string]string) *corev1.Pod {
	p := pod(ns, name, node, ip4, labels)
	p.Status.PodIPs = []corev1.PodIP{{IP: ip4}, {IP: ip6}}
	return p
}

func computeOnce(t *testing.T, cfg Config, c *Cluster) *State {
	t.Helper()
	ids, err := secid.NewAllocator("")
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewComputer(cfg, ids).Compute(c, nil, func(netip.Addr) (int, error) { return 10, nil })
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestComputeCIDRIdentities: every prefix a policy names gets a CIDR
// identity installed as that prefix, and each pod address an identity of
// its own only where a policy prefix contains it.
func TestComputeCIDRIdentities(t *testing.T) {
	c := NewCluster()
	c.Pods["x/a"] = dualStack("x", "a", "n1", "10.0.1.2", "fd00::2", map[string]string{"app": "a"})
	c.Pods["x/b"] = dualStack("x", "b", "n2", "10.0.2.2", "fd00:2::2", map[string]string{"app": "a"})
	c.Pods["x/b"].Spec.ServiceAccountName = "api"
	c.NetworkPolicies["x/p"] = &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "x", Name: "p"},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "a"}},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
			Egress: []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{
				{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/16", Except: []string{"10.0.2.0/24"}}},
				{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0"}},
			}}},
		},
	}
	d := computeOnce(t, testConfig, c)
	id := func(p string) secid.ID { return secid.ID(d.IPCache[netip.MustParsePrefix(p)]) }
	labels := func(p string) secid.Labels { return d.Snapshot.Identities[id(p)] }

	for _, p := range []string{"0.0.0.0/0", "10.0.0.0/16", "10.0.2.0/24"} {
		if l := labels(p); id(p) < secid.MinPod || !l.IsCIDR() || !l.InCIDR(p) {
			t.Errorf("CIDR %s: identity %d labels %+v", p, id(p), l)
		}
	}
	if got := labels("10.0.2.0/24").CIDRs; !slices.Equal(got, []string{"0.0.0.0/0", "10.0.0.0/16", "10.0.2.0/24"}) {
		t.Errorf("10.0.2.0/24 memberships %v", got)
	}
	a4, a6, b4, b6 := labels("10.0.1.2/32"), labels("fd00::2/128"), labels("10.0.2.2/32"), labels("fd00:2::2/128")
	if !slices.Equal(a4.CIDRs, []string{"0.0.0.0/0", "10.0.0.0/16"}) || len(a6.CIDRs) != 0 || id("10.0.1.2/32") == id("fd00::2/128") {
		t.Errorf("x/a: IPv4 %d %v, IPv6 %d %v; want distinct identities, memberships for IPv4 only", id("10.0.1.2/32"), a4.CIDRs, id("fd00::2/128"), a6.CIDRs)
	}
	if !slices.Equal(b4.CIDRs, []string{"0.0.0.0/0", "10.0.0.0/16", "10.0.2.0/24"}) || b6.ServiceAccount != "api" || a6.ServiceAccount != "default" {
		t.Errorf("x/b: IPv4 %+v IPv6 %+v", b4, b6)
	}
	// Without CIDRs, pods of equal labels but different service accounts
	// still differ.
	if id("fd00::2/128") == id("fd00:2::2/128") {
		t.Error("service accounts do not tell identities apart")
	}
	if got := d.Snapshot.ByIP[netip.MustParseAddr("10.0.1.2")].Identity; got != id("10.0.1.2/32") {
		t.Errorf("workload identity %d, want its first address's %d", got, id("10.0.1.2/32"))
	}

	// The local endpoint reaches x/b's IPv4 address through 0.0.0.0/0 but
	// not 10/16's except, and no IPv6 address.
	for _, ck := range []struct {
		peer string
		want policy.Verdict
	}{{"10.0.2.2/32", policy.Allow}, {"0.0.0.0/0", policy.Allow}, {"10.0.2.0/24", policy.Allow}, {"fd00:2::2/128", policy.Deny}} {
		ep := policy.EndpointPolicy{EnforceEgress: true}
		for k, v := range d.Policy {
			ep.Entries = append(ep.Entries, k.Entry(v))
		}
		if got := policy.Evaluate(ep, policy.Egress, id(ck.peer), 6, 80).Verdict; got != ck.want {
			t.Errorf("egress to %s: %v, want %v", ck.peer, got, ck.want)
		}
	}
}

// TestComputeAuditMode: a namespace's annotation, or the agent's flag,
// turns its endpoints' denials into audits.
func TestComputeAuditMode(t *testing.T) {
	c := NewCluster()
	c.Namespaces["x"] = &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "x", Annotations: map[string]string{AuditModeAnnotation: "true"}}}
	c.Namespaces["y"] = &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "y", Annotations: map[string]string{AuditModeAnnotation: "false"}}}
	audit := endpointmap.AuditIngress | endpointmap.AuditEgress
	for _, tc := range []struct {
		ns        string
		agentFlag bool
		want      endpointmap.Flags
	}{
		{"x", false, audit},
		{"y", false, 0},
		{"z", false, 0}, // no Namespace object
		{"y", true, audit},
	} {
		c.Pods = map[string]*corev1.Pod{"p": pod(tc.ns, "p", "n1", "10.0.1.2", nil)}
		cfg := testConfig
		cfg.AuditMode = tc.agentFlag
		if got := computeOnce(t, cfg, c).Endpoints[10].Flags; got != tc.want {
			t.Errorf("namespace %s, --audit-mode=%v: flags %v, want %v", tc.ns, tc.agentFlag, got, tc.want)
		}
	}
}

// TestComputeZeroTrustPolicies: a ZeroTrustPolicy's deny beats a
// NetworkPolicy's allow in the maps; invalid ones are reported by kind and
// apply nowhere; a foreign principal is a warning. A second computation
// with nothing changed gives the same state.
func TestComputeZeroTrustPolicies(t *testing.T) {
	c := NewCluster()
	c.Pods["x/a"] = pod("x", "a", "n1", "10.0.1.2", map[string]string{"app": "a"})
	c.Pods["x/b"] = pod("x", "b", "n2", "10.0.2.2", map[string]string{"app": "b"})
	c.NetworkPolicies["x/allow"] = &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "x", Name: "allow"},
		Spec:       networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{}, Ingress: []networkingv1.NetworkPolicyIngressRule{{}}},
	}
	fromB := []v1alpha1.Peer{{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "b"}}}}
	c.ZeroTrustPolicies["x/deny"] = &v1alpha1.ZeroTrustPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "x", Name: "deny"},
		Spec:       v1alpha1.ZeroTrustPolicySpec{Ingress: []v1alpha1.Rule{{Name: "no-b", Action: v1alpha1.ActionDeny, From: fromB}}},
	}
	c.ZeroTrustPolicies["x/bad"] = &v1alpha1.ZeroTrustPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "x", Name: "bad"},
		Spec:       v1alpha1.ZeroTrustPolicySpec{Ingress: []v1alpha1.Rule{{Action: "Maybe", From: fromB}}},
	}
	c.ClusterZeroTrustPolicies["foreign"] = &v1alpha1.ClusterZeroTrustPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "foreign"},
		Spec: v1alpha1.ZeroTrustPolicySpec{Selector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "none"}},
			Ingress: []v1alpha1.Rule{{From: []v1alpha1.Peer{{Principals: []string{"spiffe://example.org/ns/x/sa/default"}}}}}},
	}
	ids, err := secid.NewAllocator("")
	if err != nil {
		t.Fatal(err)
	}
	comp := NewComputer(testConfig, ids)
	resolve := func(netip.Addr) (int, error) { return 10, nil }
	d, err := comp.Compute(c, nil, resolve)
	if err != nil {
		t.Fatal(err)
	}
	idB := d.IPCache[netip.MustParsePrefix("10.0.2.2/32")]
	k, _ := policymap.KeyOf(10, policy.Entry{Direction: policy.Ingress, Identity: secid.ID(idB)})
	v, ok := d.Policy[k]
	ref := d.Snapshot.Rules[policy.RuleID(v.Rule)]
	if !ok || policy.Verdict(v.Verdict) != policy.Deny || ref.String() != "ZeroTrustPolicy x/deny ingress[0] no-b" {
		t.Errorf("entry for b: %+v (%v), want the ZeroTrustPolicy's deny", v, ref)
	}
	if _, ok := d.Invalid["ZeroTrustPolicy x/bad"]; !ok || len(d.Invalid) != 1 {
		t.Errorf("Invalid = %v, want ZeroTrustPolicy x/bad", d.Invalid)
	}
	if w := d.Warnings["ClusterZeroTrustPolicy foreign"]; len(w) != 1 {
		t.Errorf("Warnings = %v, want one for ClusterZeroTrustPolicy foreign", d.Warnings)
	}
	again, err := comp.Compute(c, nil, resolve)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(again.Policy, d.Policy) || !maps.Equal(again.Endpoints, d.Endpoints) || !maps.Equal(again.IPCache, d.IPCache) {
		t.Error("a second computation of the same cluster differs")
	}
}
