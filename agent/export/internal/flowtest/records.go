package flowtest

import (
	"time"

	"github.com/zeta-net/zeta/agent/flow"
)

// Time is the records' time.
var Time = time.Date(2026, 3, 4, 5, 6, 7, 123456789, time.UTC)

// Records returns three records that cover the mapping: a denied IPv4 TCP
// connection between two known pods with a policy, labels and SPIFFE IDs;
// an allowed IPv6 UDP flow from the world; an audited ICMP echo without
// pods.
func Records() []*flow.Record {
	return []*flow.Record{
		{
			Time: Time, Node: "node-a", Verdict: flow.VerdictDenied, DropReason: "policy_deny",
			Direction: "ingress", IPVersion: 4, Protocol: "TCP", TCPFlags: "SYN",
			Source: flow.Peer{
				IP: "10.0.1.5", Port: 40000, Identity: 256, Namespace: "shop", Pod: "frontend-1",
				Labels:   map[string]string{"app": "frontend"},
				SPIFFEID: "spiffe://cluster.local/ns/shop/sa/frontend",
			},
			Destination: flow.Peer{
				IP: "10.0.2.7", Port: 5432, Identity: 257, Namespace: "db", Pod: "postgres-0",
				Labels:   map[string]string{"app": "postgres", "tier": "data"},
				SPIFFEID: "spiffe://cluster.local/ns/db/sa/postgres",
			},
			Policy: "db/deny-shop", RuleID: 7, Endpoint: "db/postgres-0", Ifindex: 12, Bytes: 60, Packets: 1,
		},
		{
			Time: Time.Add(time.Millisecond), Node: "node-a", Verdict: flow.VerdictAllowed,
			Direction: "egress", IPVersion: 6, Protocol: "UDP",
			Source:      flow.Peer{IP: "fd00::5", Port: 53000, Identity: 258, Namespace: "shop", Pod: "cart-2"},
			Destination: flow.Peer{IP: "2001:db8::53", Port: 53, Identity: 2},
			Endpoint:    "shop/cart-2", Ifindex: 13, Bytes: 80, Packets: 1,
			TraceContext: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		},
		{
			Time: Time.Add(2 * time.Millisecond), Node: "node-a", Verdict: flow.VerdictAudit, DropReason: "policy_default_deny",
			Direction: "egress", IPVersion: 4, Protocol: "ICMP", ICMP: &flow.ICMP{Type: 8, Code: 0},
			Source:      flow.Peer{IP: "10.0.1.9", Identity: 259},
			Destination: flow.Peer{IP: "192.0.2.1", Identity: 2},
			Ifindex:     14, Bytes: 84, Packets: 1,
		},
	}
}

// Numbered returns n records that differ in their source port, from+i,
// to count deliveries.
func Numbered(from, n int) []*flow.Record {
	out := make([]*flow.Record, n)
	for i := range out {
		out[i] = &flow.Record{
			Time: Time, Node: "node-a", Verdict: flow.VerdictAllowed, Direction: "egress", IPVersion: 4, Protocol: "TCP",
			TCPFlags: "SYN", Source: flow.Peer{IP: "10.0.0.1", Port: uint16(from + i), Identity: 256},
			Destination: flow.Peer{IP: "10.0.0.2", Port: 80, Identity: 257}, Bytes: 60, Packets: 1,
		}
	}
	return out
}

// End returns the record of an allowed TCP connection's end: it closed
// after each side sent a known amount.
func End() *flow.Record {
	return &flow.Record{
		Time: Time, Node: "node-a", Verdict: flow.VerdictAllowed, Direction: "egress", IPVersion: 4, Protocol: "TCP",
		TCPFlags: "FIN,SYN,PSH,ACK", Type: flow.TypeEnd,
		Source:      flow.Peer{IP: "10.0.1.5", Port: 40000, Identity: 256, Namespace: "shop", Pod: "frontend-1"},
		Destination: flow.Peer{IP: "10.0.2.7", Port: 5432, Identity: 257, Namespace: "db", Pod: "postgres-0"},
		Policy:      "db/allow-shop", RuleID: 7, Endpoint: "shop/frontend-1", Ifindex: 12,
		Totals: &flow.Totals{
			FwdPackets: 6, FwdBytes: 700, RevPackets: 5, RevBytes: 9000,
			Started: Time.Add(-5 * time.Second), End: flow.EndClosed,
		},
	}
}
