package offline

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/zeta-net/zeta/agent/manifest"
	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/policy"
)

// Pods a (node-1), b (node-2) and c (node-1) in namespace x; a denies
// ingress, then allows b on TCP/80.
const testCluster = `apiVersion: v1
kind: Namespace
metadata: {name: x, labels: {ns: x}}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {pod: a}}
spec: {nodeName: node-1}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: x, labels: {pod: b}}
spec: {nodeName: node-2}
---
apiVersion: v1
kind: Pod
metadata: {name: c, namespace: x, labels: {pod: c}}
spec: {nodeName: node-1}
`

const testPolicies = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-a, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Ingress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-b, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from: [{podSelector: {matchLabels: {pod: b}}}]
    ports: [{port: 80, protocol: TCP}]
`

// load writes YAML documents into a directory and loads it.
func load(t *testing.T, docs ...string) *manifest.Set {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "m.yaml"), []byte(strings.Join(docs, "---\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	set, err := manifest.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func build(t *testing.T, cfg Config, docs ...string) *Model {
	t.Helper()
	m, err := Build(load(t, docs...), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// evaluators returns the Go evaluator and, as root, the BPF one.
func evaluators(t *testing.T) []Evaluator {
	t.Helper()
	evs := []Evaluator{Go{}}
	b, err := NewBPF()
	if err != nil {
		t.Logf("only the Go evaluator: %v", err)
		return evs
	}
	t.Cleanup(func() { b.Close() })
	return append(evs, b)
}

// allowed lists the allowed pairs of distinct pods as "from->to" by name.
func allowed(m *Matrix) []string {
	var out []string
	for i, from := range m.Pods {
		for j, to := range m.Pods {
			if i != j && m.Allowed[i][j] {
				out = append(out, strings.TrimPrefix(from, "x/")+"->"+strings.TrimPrefix(to, "x/"))
			}
		}
	}
	return out
}

func TestMatrix(t *testing.T) {
	open := build(t, DefaultConfig(), testCluster)
	enforced := build(t, DefaultConfig(), testCluster, testPolicies)
	all := []string{"a->b", "a->c", "b->a", "b->c", "c->a", "c->b"}
	others := []string{"a->b", "a->c", "b->c", "c->b"}
	for _, ev := range evaluators(t) {
		t.Run(ev.Name(), func(t *testing.T) {
			for _, tc := range []struct {
				m     *Model
				proto corev1.Protocol
				port  int32
				ipv6  bool
				want  []string
			}{
				{open, corev1.ProtocolTCP, 80, false, all},
				{enforced, corev1.ProtocolTCP, 80, false, append(slices.Clone(others), "b->a")},
				{enforced, corev1.ProtocolTCP, 80, true, append(slices.Clone(others), "b->a")},
				{enforced, corev1.ProtocolUDP, 80, false, others},
				{enforced, corev1.ProtocolTCP, 81, false, others},
				{open, corev1.ProtocolSCTP, 81, true, all},
				// Again, over the same addresses and ports: no conntrack
				// entry of the first round lets anything through.
				{enforced, corev1.ProtocolTCP, 81, false, others},
			} {
				mx, err := ComputeMatrix(ev, tc.m, tc.proto, tc.port, tc.ipv6)
				if err != nil {
					t.Fatal(err)
				}
				got := allowed(mx)
				slices.Sort(got)
				slices.Sort(tc.want)
				if !slices.Equal(got, tc.want) {
					t.Errorf("%s/%d IPv6 %t: allowed %v, want %v", tc.proto, tc.port, tc.ipv6, got, tc.want)
				}
				if !slices.Equal(mx.Pods, []string{"x/a", "x/b", "x/c"}) || mx.Evaluator != ev.Name() {
					t.Errorf("pods %v, evaluator %q", mx.Pods, mx.Evaluator)
				}
				for i := range mx.Pods {
					if !mx.Allowed[i][i] || !mx.Judgements[i][i].Self {
						t.Errorf("%s does not reach itself", mx.Pods[i])
					}
				}
			}
		})
	}
}

// TestOutcomes checks what each hook reports: the peer's identity, the
// verdict, the reason and the rule.
func TestOutcomes(t *testing.T) {
	m := build(t, DefaultConfig(), testCluster, testPolicies)
	a, _ := m.Pod("x/a")
	b, _ := m.Pod("x/b")
	node1, _ := m.Node("node-1")
	idB := node1.PeerIdentity(b.IPv4)
	allowB := policy.RuleRef{Kind: "NetworkPolicy", Namespace: "x", Name: "allow-b", Direction: policy.Ingress, Index: 0}.ID()
	for _, ev := range evaluators(t) {
		t.Run(ev.Name(), func(t *testing.T) {
			j, err := Judge(ev, m, "x/b", "x/a", bpf.ProtoTCP, 80, false)
			if err != nil {
				t.Fatal(err)
			}
			wantIn := Outcome{Verdict: policy.Allow, Rule: allowB, Peer: idB}
			if !j.Allowed || j.Egress.Verdict != policy.Allow || j.Egress.Rule != 0 || j.Ingress != wantIn {
				t.Errorf("b->a TCP/80: %+v, want allowed, ingress %+v", j, wantIn)
			}
			j, err = Judge(ev, m, "x/c", "x/a", bpf.ProtoUDP, 80, true)
			if err != nil {
				t.Fatal(err)
			}
			if j.Allowed || j.Ingress.Verdict != policy.Deny || j.Ingress.Reason != bpf.ReasonPolicyDefault || j.Ingress.Rule != 0 {
				t.Errorf("c->a UDP/80: %+v, want a default deny at ingress", j)
			}
			if _, err := Judge(ev, m, "x/a", "x/nope", bpf.ProtoTCP, 80, false); err == nil {
				t.Error("judged a pod the model does not have")
			}
		})
	}
	if a.Node != "node-1" || b.Node != "node-2" || a.Endpoint == b.Endpoint {
		t.Errorf("placement a %+v, b %+v", a, b)
	}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
