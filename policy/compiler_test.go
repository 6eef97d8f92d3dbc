package policy

import (
	"maps"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/zeta-net/zeta/api/v1alpha1"
	"github.com/zeta-net/zeta/policy/secid"
)

// TestCompilerIncremental checks what a Compiler compiles again from one
// round to the next, and that what it reuses is what a fresh Compiler
// would compute.
func TestCompilerIncremental(t *testing.T) {
	c := newCluster()
	identities := map[secid.ID]secid.Labels{}
	var pods []*corev1.Pod
	for _, name := range podNames {
		identities[c.ids[name]] = c.base[name]
		pods = append(pods, c.pods[name])
	}
	peers := Peers{Identities: identities, Pods: pods, IdentitiesOf: func(p *corev1.Pod) []secid.ID {
		return []secid.ID{c.ids[p.Namespace+"/"+p.Name]}
	}}
	x1 := policy(t, `{metadata: {name: p, namespace: x}, spec: {podSelector: {}, ingress: [{from: [{podSelector: {}}]}]}}`)
	y1 := policy(t, `{metadata: {name: p, namespace: "y"}, spec: {podSelector: {}, egress: [{ports: [{port: http}]}]}}`)
	comp := NewCompiler(Options{TrustDomain: testTrustDomain})

	// round sets the state, compiles every pod (x/a twice, as two pods of
	// one identity) and returns how many compilations that took.
	round := func(p Policies, peers Peers) int {
		t.Helper()
		before := comp.compiled
		comp.SetPolicies(p)
		comp.SetPeers(peers)
		fresh := NewCompiler(Options{TrustDomain: testTrustDomain})
		fresh.SetPolicies(p)
		fresh.SetPeers(peers)
		for _, name := range append([]string{"x/a"}, podNames...) {
			ep := Endpoint{Identity: c.ids[name], Pod: c.pods[name]}
			got, err := comp.Compile(ep)
			if err != nil {
				t.Fatal(err)
			}
			want, err := fresh.Compile(ep)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: reused %+v\nfresh %+v", name, got, want)
			}
		}
		return comp.compiled - before
	}
	nps := func(list ...*networkingv1.NetworkPolicy) Policies { return Policies{NetworkPolicies: list} }

	if n := round(nps(x1, y1), peers); n != 9 {
		t.Errorf("first round: %d compilations, want one per identity (9)", n)
	}
	if n := round(nps(x1, y1), peers); n != 0 {
		t.Errorf("nothing changed: %d compilations, want 0", n)
	}
	x2 := x1.DeepCopy()
	x2.Spec.Ingress[0].Ports = []networkingv1.NetworkPolicyPort{{Port: nil}}
	if n := round(nps(x2, y1), peers); n != 3 {
		t.Errorf("a policy of x changed: %d compilations, want x's 3", n)
	}
	if n := round(nps(x2), peers); n != 3 {
		t.Errorf("y's policy removed: %d compilations, want y's 3", n)
	}
	cluster := cztp(t, `{metadata: {name: c}, spec: {selector: {}, ingress: [{action: Deny, from: [{cidr: 192.0.2.0/24}]}]}}`)
	withCluster := Policies{NetworkPolicies: []*networkingv1.NetworkPolicy{x2}, ClusterZeroTrustPolicies: []*v1alpha1.ClusterZeroTrustPolicy{cluster}}
	if n := round(withCluster, peers); n != 9 {
		t.Errorf("a cluster policy added: %d compilations, want all 9", n)
	}
	// An identity that no rule selects recompiles nothing; one that x's
	// rule (every pod of x) selects recompiles x's endpoints only.
	more := peers
	more.Identities = map[secid.ID]secid.Labels{secid.MinPod + 100: {Namespace: "w", ServiceAccount: "default"}}
	maps.Copy(more.Identities, identities)
	if n := round(withCluster, more); n != 0 {
		t.Errorf("an identity no rule selects appeared: %d compilations, want 0", n)
	}
	inX := more
	inX.Identities = maps.Clone(more.Identities) // the compiler keeps the map it was given
	inX.Identities[secid.MinPod+101] = secid.Labels{Namespace: "x", ServiceAccount: "default", Pod: map[string]string{"new": "yes"}}
	if n := round(withCluster, inX); n != 3 {
		t.Errorf("an identity x's rule selects appeared: %d compilations, want x's 3", n)
	}
	if n := round(withCluster, more); n != 3 {
		t.Errorf("an identity x's rule selects left: %d compilations, want x's 3", n)
	}
	if n := round(nps(x2, y1), more); n != 9 {
		t.Errorf("the cluster policy replaced by y's: %d compilations, want all 9", n)
	}

	// Named ports: one identity, different ports, different results.
	renamed := c.pods["x/a"].DeepCopy()
	renamed.Spec.Containers[0].Ports[0].ContainerPort = 8000
	before := comp.compiled
	if _, err := comp.Compile(Endpoint{Identity: c.ids["x/a"], Pod: renamed}); err != nil || comp.compiled != before+1 {
		t.Errorf("same identity, other named ports: %d compilations, %v; want 1", comp.compiled-before, err)
	}

	// A peer's named ports matter only while an egress rule names one.
	pods[1] = pods[1].DeepCopy()
	pods[1].Spec.Containers[0].Ports[0].ContainerPort = 9000
	if n := round(nps(x2, y1), Peers{Identities: more.Identities, Pods: pods, IdentitiesOf: peers.IdentitiesOf}); n != 3 {
		t.Errorf("a peer's named port changed under y's egress named port: %d compilations, want y's 3", n)
	}
	pods[1] = c.pods["x/b"]
	if n := round(nps(x2), Peers{Identities: more.Identities, Pods: pods, IdentitiesOf: peers.IdentitiesOf}); n != 3 {
		t.Errorf("named ports changed back, no rule names one: %d compilations, want y's 3", n)
	}

	if _, err := comp.Compile(Endpoint{Identity: secid.World, Pod: c.pods["x/a"]}); err == nil {
		t.Error("Compile of a reserved identity: no error")
	}
}
