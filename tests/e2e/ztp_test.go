package e2e

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/zeta-net/zeta/tests/lab"
)

// denyBToA is a ZeroTrustPolicy whose Deny rule names b as a source of a.
const denyBToA = `apiVersion: zeta.io/v1alpha1
kind: ZeroTrustPolicy
metadata: {name: deny-b, namespace: x}
spec:
  selector: {matchLabels: {pod: a}}
  ingress:
  - name: no-b
    action: Deny
    from: [{podSelector: {matchLabels: {pod: b}}}]
`

// TestZeroTrustDenyOverridesNetworkPolicy: a NetworkPolicy lets b reach a;
// a ZeroTrustPolicy's Deny rule for b wins over it, in both families, and
// the denial is recorded with the rule's name; without the
// ZeroTrustPolicy b reaches a again.
func TestZeroTrustDenyOverridesNetworkPolicy(t *testing.T) {
	dir := manifests(t, map[string]string{"cluster.yaml": cluster, "allow.yaml": allowBToA, "deny.yaml": denyBToA})
	c := up(t, dir, lab.Config{})
	others := []string{"a->b", "a->c", "b->c", "c->b"}
	expectMatrix(t, c, corev1.ProtocolTCP, false, others...)
	expectMatrix(t, c, corev1.ProtocolTCP, true, others...)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var recorded bool
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && !recorded; time.Sleep(100 * time.Millisecond) {
		records, err := c.Flows(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range records {
			recorded = recorded || (r.Source.Pod == "b" && r.Destination.Pod == "a" && r.Verdict == "DENIED" &&
				r.DropReason == "policy_deny" && r.Policy == "ZeroTrustPolicy x/deny-b ingress[0] no-b")
		}
	}
	if !recorded {
		t.Error("no flow record of b -> a denied by ZeroTrustPolicy x/deny-b ingress[0] no-b")
	}

	remove(t, dir, "deny.yaml")
	if err := c.Apply(ctx, dir); err != nil {
		t.Fatal(err)
	}
	expectMatrix(t, c, corev1.ProtocolTCP, false, append(others, "b->a")...)
}

// TestIPBlockExceptOverPods is upstream's "should enforce except clause
// while egress access to server in CIDR block", in both families: a may
// send to a block of pod addresses that holds b and c, except c's.
func TestIPBlockExceptOverPods(t *testing.T) {
	dir := manifests(t, map[string]string{"cluster.yaml": cluster})
	c := up(t, dir, lab.Config{})
	b, okB := c.Pod("x/b")
	cc, okC := c.Pod("x/c")
	if !okB || !okC {
		t.Fatal("pods x/b and x/c not in the lab")
	}
	block := func(ipv6 bool) string {
		p := covering(b.Addr(ipv6), cc.Addr(ipv6))
		except := netip.PrefixFrom(cc.Addr(ipv6), cc.Addr(ipv6).BitLen())
		return fmt.Sprintf("{ipBlock: {cidr: %q, except: [%q]}}", p, except)
	}
	write(t, dir, "egress.yaml", fmt.Sprintf(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: a-egress, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Egress]
  egress: [{to: [%s, %s]}]
`, block(false), block(true)))
	if err := c.Apply(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	want := []string{"a->b", "b->a", "b->c", "c->a", "c->b"}
	expectMatrix(t, c, corev1.ProtocolTCP, false, want...)
	expectMatrix(t, c, corev1.ProtocolTCP, true, want...)
	expectMatrix(t, c, corev1.ProtocolUDP, false, want...)
}

// covering returns the longest prefix that contains both a and b.
func covering(a, b netip.Addr) netip.Prefix {
	for bits := a.BitLen(); ; bits-- {
		if p := netip.PrefixFrom(a, bits).Masked(); p.Contains(b) {
			return p
		}
	}
}
