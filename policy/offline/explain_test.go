package offline

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/zeta-net/zeta/policy"
)

func TestExplain(t *testing.T) {
	m := build(t, DefaultConfig(), testCluster, testPolicies)
	for _, ev := range evaluators(t) {
		t.Run(ev.Name(), func(t *testing.T) {
			x, err := Explain(ev, m, "x/b", "x/a", corev1.ProtocolTCP, 80, false)
			if err != nil {
				t.Fatal(err)
			}
			if !x.Allowed || x.Disagreement != "" || x.Evaluator != ev.Name() {
				t.Fatalf("b->a TCP/80: %+v, want allowed", x)
			}
			if e := x.Egress; e.Enforced || e.Verdict != "allow" || e.Rule != "" || len(e.Matches) != 0 || !strings.HasPrefix(e.Why, "not enforced") {
				t.Errorf("egress at b: %+v", e)
			}
			in := x.Ingress
			wantBy := []string{"NetworkPolicy x/allow-b", "NetworkPolicy x/deny-a"}
			if !in.Enforced || !slices.Equal(in.EnforcedBy, wantBy) || in.Rule != "NetworkPolicy x/allow-b ingress[0]" ||
				in.Why != "allowed by NetworkPolicy x/allow-b ingress[0]" || in.Pod != "x/a" || in.Node != "node-1" {
				t.Errorf("ingress at a: %+v", in)
			}
			if len(in.Matches) != 1 || in.Matches[0] != (Match{Rule: "NetworkPolicy x/allow-b ingress[0]", Peer: in.Peer.String(), Protocol: "TCP", Ports: "80", Verdict: "allow"}) {
				t.Errorf("matches at a: %+v", in.Matches)
			}

			x, err = Explain(ev, m, "x/b", "x/a", corev1.ProtocolUDP, 80, true)
			if err != nil {
				t.Fatal(err)
			}
			if in := x.Ingress; x.Allowed || in.Reason != "policy_default_deny" || len(in.Matches) != 0 ||
				!strings.HasPrefix(in.Why, "default deny: ingress is enforced for x/a (by NetworkPolicy x/allow-b, NetworkPolicy x/deny-a)") {
				t.Errorf("b->a UDP/80: %+v, ingress %+v", x, in)
			}

			x, err = Explain(ev, m, "x/a", "x/a", corev1.ProtocolTCP, 80, false)
			if err != nil || !x.Self || !x.Allowed || x.Egress != nil {
				t.Errorf("a->a: %+v, %v", x, err)
			}
			if _, err := Explain(ev, m, "x/a", "x/b", corev1.ProtocolTCP, 0, false); err == nil {
				t.Error("explained port 0")
			}
		})
	}
}

func TestExplainDefaultDeny(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DefaultDeny = true
	m := build(t, cfg, testCluster)
	x, err := Explain(Go{}, m, "x/a", "x/b", corev1.ProtocolTCP, 80, false)
	if err != nil {
		t.Fatal(err)
	}
	if e := x.Egress; x.Allowed || !e.Enforced || !slices.Equal(e.EnforcedBy, []string{"--default-deny"}) || e.Reason != "policy_default_deny" {
		t.Errorf("a->b with --default-deny: %+v, egress %+v", x, e)
	}
}

func TestPortsShown(t *testing.T) {
	for _, tc := range []struct {
		e    policy.Entry
		want string
	}{
		{policy.Entry{Protocol: 6, Port: 80, PortPrefix: 16}, "80"},
		{policy.Entry{Protocol: 6, Port: 80, PortPrefix: 12}, "80-95"},
		{policy.Entry{Protocol: 6}, "any"},
		{policy.Entry{}, "any"},
	} {
		if got := ports(tc.e); got != tc.want {
			t.Errorf("ports(%+v) = %q, want %q", tc.e, got, tc.want)
		}
	}
}
