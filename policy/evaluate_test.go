package policy

import (
	"testing"

	"github.com/zeta-net/zeta/policy/secid"
)

func TestEvaluate(t *testing.T) {
	const peer, other = secid.MinPod, secid.MinPod + 1
	entries := []Entry{
		ent(peer, 0, 0, 0, Allow, 1),         // peer: everything
		ent(peer, protoTCP, 22, 16, Deny, 2), // but not SSH
		ent(secid.Any, protoTCP, 22, 16, Audit, 3),
		ent(secid.Any, protoTCP, 80, 15, Allow, 4),  // 80-81 from anyone
		ent(secid.Any, protoTCP, 1024, 6, Allow, 5), // 1024-2047
		ent(secid.Any, protoTCP, 1536, 8, Audit, 6), // 1536-1791 audited
		ent(secid.Any, protoUDP, 0, 0, Allow, 7),    // all of UDP
		ent(other, protoTCP, 80, 16, Allow, 8),      // ties with Any
		ent(secid.Any, 1, 0, 16, Deny, 9),           // ICMP, port 0
		ent(other, protoSCTP, 5000, 16, Deny, 10),   // the port matters for SCTP
	}
	tests := []struct {
		name     string
		enforced bool
		dir      Direction
		peer     secid.ID
		protocol uint8
		port     uint16
		want     Verdict
		wantRule RuleID
	}{
		{"peer entry", true, Ingress, peer, protoTCP, 443, Allow, 1},
		{"peer deny beats any audit", true, Ingress, peer, protoTCP, 22, Deny, 2},
		{"any audit beats peer allow-all", true, Ingress, peer, protoTCP, 1600, Audit, 6},
		{"any audit for a stranger", true, Ingress, other, protoTCP, 22, Audit, 3},
		{"range start", true, Ingress, secid.World, protoTCP, 80, Allow, 4},
		{"range end", true, Ingress, secid.World, protoTCP, 81, Allow, 4},
		{"just past the range", true, Ingress, other, protoTCP, 82, Deny, 0},
		{"wide range", true, Ingress, other, protoTCP, 2047, Allow, 5},
		{"nested audit range", true, Ingress, other, protoTCP, 1791, Audit, 6},
		{"past the nested range", true, Ingress, other, protoTCP, 1792, Allow, 5},
		{"tie: the peer's rule", true, Ingress, other, protoTCP, 80, Allow, 8},
		{"whole protocol", true, Ingress, other, protoUDP, 9, Allow, 7},
		{"port ignored for ICMP", true, Ingress, other, 1, 0x0800, Deny, 9},
		{"port kept for SCTP", true, Ingress, other, protoSCTP, 5001, Deny, 0},
		{"SCTP port", false, Ingress, other, protoSCTP, 5000, Deny, 10},
		{"no match, enforced", true, Ingress, other, protoTCP, 443, Deny, 0},
		{"no match, not enforced", false, Ingress, other, protoTCP, 443, Allow, 0},
		{"other direction has no entries", true, Egress, peer, protoTCP, 443, Deny, 0},
		{"any peer asks once", false, Ingress, secid.Any, protoTCP, 81, Allow, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep := EndpointPolicy{Entries: entries}
			if tt.dir == Ingress {
				ep.EnforceIngress = tt.enforced
			} else {
				ep.EnforceEgress = tt.enforced
			}
			d := Evaluate(ep, tt.dir, tt.peer, tt.protocol, tt.port)
			v, rule := d.Verdict, d.Rule
			if v != tt.want || rule != tt.wantRule {
				t.Errorf("Evaluate = %v, %d; want %v, %d", v, rule, tt.want, tt.wantRule)
			}
		})
	}
}

// TestEvaluateUnnormalised shows why Compile normalises: the trie answers
// with the longest match even when a shorter one is stronger.
func TestEvaluateUnnormalised(t *testing.T) {
	ep := EndpointPolicy{EnforceIngress: true, Entries: []Entry{
		ent(pod, 0, 0, 0, Deny, 1),
		ent(pod, protoTCP, 80, 16, Allow, 2),
	}}
	if v := Evaluate(ep, Ingress, pod, protoTCP, 80).Verdict; v != Allow {
		t.Fatalf("unnormalised: %v, want the longest match, allow", v)
	}
	ep.Entries = Normalize(ep.Entries)
	if d := Evaluate(ep, Ingress, pod, protoTCP, 80); d.Verdict != Deny || d.Rule != 1 {
		t.Errorf("normalised: %+v; want deny, 1", d)
	}
}
