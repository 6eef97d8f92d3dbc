package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/zeta-net/zeta/tests/lab"
)

// Three pods in namespace x: a on node-1, b on node-2, c on node-1, each
// serving TCP and UDP on 80.
const cluster = `apiVersion: v1
kind: Namespace
metadata: {name: x, labels: {ns: x}}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {pod: a}}
spec:
  nodeName: node-1
  containers: [{name: s, image: s, ports: [{containerPort: 80}, {containerPort: 80, protocol: UDP}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: x, labels: {pod: b}}
spec:
  nodeName: node-2
  containers: [{name: s, image: s, ports: [{containerPort: 80}, {containerPort: 80, protocol: UDP}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: c, namespace: x, labels: {pod: c}}
spec:
  nodeName: node-1
  containers: [{name: s, image: s, ports: [{containerPort: 80}, {containerPort: 80, protocol: UDP}]}]
`

const denyIngressToA = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-a, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Ingress]
`

const allowBToA = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-b, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from: [{podSelector: {matchLabels: {pod: b}}}]
    ports: [{port: 80, protocol: TCP}]
`

// reach is an expected matrix as the set of "from->to" pairs allowed
// between distinct pods.
func expectMatrix(t *testing.T, c *lab.Cluster, proto corev1.Protocol, ipv6 bool, allowed ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m, err := c.Matrix(ctx, proto, 80, lab.ProbeOptions{IPv6: ipv6, Timeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatalf("matrix: %v", err)
	}
	var got []string
	for i, from := range m.Pods {
		for j, to := range m.Pods {
			if i != j && m.Allowed[i][j] {
				got = append(got, strings.TrimPrefix(from, "x/")+"->"+strings.TrimPrefix(to, "x/"))
			}
		}
	}
	slices.Sort(allowed)
	if !slices.Equal(got, allowed) {
		t.Fatalf("%s/80 ipv6=%v allowed %v, want %v", proto, ipv6, got, allowed)
	}
}

var all = []string{"a->b", "a->c", "b->a", "b->c", "c->a", "c->b"}

// TestPolicyLifecycle: no policy allows everything; default deny on a
// blocks every peer, within the node (c) and across nodes (b); an allow
// rule opens exactly b to a on TCP/80, replies included; removing it blocks
// new connections again. Both families, TCP and UDP.
func TestPolicyLifecycle(t *testing.T) {
	dir := manifests(t, map[string]string{"cluster.yaml": cluster})
	c := up(t, dir, lab.Config{})
	ctx := context.Background()

	expectMatrix(t, c, corev1.ProtocolTCP, false, all...)
	expectMatrix(t, c, corev1.ProtocolUDP, true, all...)

	write(t, dir, "deny.yaml", denyIngressToA)
	if err := c.Apply(ctx, dir); err != nil {
		t.Fatal(err)
	}
	others := []string{"a->b", "a->c", "b->c", "c->b"}
	expectMatrix(t, c, corev1.ProtocolTCP, false, others...)
	expectMatrix(t, c, corev1.ProtocolTCP, true, others...)
	expectMatrix(t, c, corev1.ProtocolUDP, false, others...)

	write(t, dir, "allow.yaml", allowBToA)
	if err := c.Apply(ctx, dir); err != nil {
		t.Fatal(err)
	}
	// TCP only: the probe succeeds only if a's answer (the reply) comes back.
	expectMatrix(t, c, corev1.ProtocolTCP, false, append(others, "b->a")...)
	expectMatrix(t, c, corev1.ProtocolTCP, true, append(others, "b->a")...)
	expectMatrix(t, c, corev1.ProtocolUDP, false, others...)

	remove(t, dir, "allow.yaml")
	if err := c.Apply(ctx, dir); err != nil {
		t.Fatal(err)
	}
	expectMatrix(t, c, corev1.ProtocolTCP, false, others...)

	remove(t, dir, "deny.yaml")
	if err := c.Apply(ctx, dir); err != nil {
		t.Fatal(err)
	}
	expectMatrix(t, c, corev1.ProtocolTCP, false, all...)
}

// TestFlows checks that the agents record the verdicts they gave, with
// both workloads named and the deciding policy.
func TestFlows(t *testing.T) {
	dir := manifests(t, map[string]string{"cluster.yaml": cluster, "deny.yaml": denyIngressToA, "allow.yaml": allowBToA})
	c := up(t, dir, lab.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	probe := func(from, to string, want bool) {
		got, err := c.Probe(ctx, from, to, corev1.ProtocolTCP, 80, lab.ProbeOptions{Timeout: 500 * time.Millisecond})
		if err != nil || got != want {
			t.Fatalf("probe %s -> %s: %v, %v; want %v", from, to, got, err, want)
		}
	}
	probe("x/b", "x/a", true)
	probe("x/c", "x/a", false)

	var allowed, denied bool
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && (!allowed || !denied); time.Sleep(100 * time.Millisecond) {
		records, err := c.Flows(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range records {
			if r.Destination.Pod != "a" || r.Direction != "ingress" || r.Destination.Port != 80 {
				continue
			}
			switch {
			case r.Source.Pod == "b" && r.Verdict == "ALLOWED" && r.Node == "node-1" &&
				r.Policy == "NetworkPolicy x/allow-b ingress[0]" &&
				r.Source.SPIFFEID == "spiffe://cluster.local/ns/x/sa/default":
				allowed = true
			case r.Source.Pod == "c" && r.Verdict == "DENIED" && r.DropReason == "policy_default_deny" && r.Node == "node-1":
				denied = true
			}
		}
	}
	if !allowed || !denied {
		t.Fatalf("flows: allowed b->a recorded %v, denied c->a recorded %v", allowed, denied)
	}
}

// TestDefaultDeny: with --default-deny every endpoint is enforced in both
// directions, so no pod reaches another until policies allow both the
// source's egress and the destination's ingress.
func TestDefaultDeny(t *testing.T) {
	dir := manifests(t, map[string]string{"cluster.yaml": cluster})
	c := up(t, dir, lab.Config{DefaultDeny: true})
	expectMatrix(t, c, corev1.ProtocolTCP, false)

	write(t, dir, "allow.yaml", allowBToA+`---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: b-egress, namespace: x}
spec:
  podSelector: {matchLabels: {pod: b}}
  policyTypes: [Egress]
  egress: [{to: [{podSelector: {matchLabels: {pod: a}}}]}]
`)
	if err := c.Apply(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	expectMatrix(t, c, corev1.ProtocolTCP, false, "b->a")
}
