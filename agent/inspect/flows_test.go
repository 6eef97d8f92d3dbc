package inspect

import (
	"testing"
	"time"

	"github.com/zeta-net/zeta/agent/flow"
)

var flowTime = time.Date(2025, 3, 4, 5, 6, 7, 890_000_000, time.UTC)

func TestFlowLine(t *testing.T) {
	stamp := flowTime.Local().Format(time.StampMilli)
	for _, tc := range []struct {
		name string
		r    flow.Record
		want string
	}{
		{
			name: "pods",
			r: flow.Record{
				Time: flowTime, Node: "n1", Verdict: "ALLOWED", Direction: "ingress", Protocol: "TCP", TCPFlags: "SYN",
				Source:      flow.Peer{IP: "10.0.0.1", Port: 40000, Namespace: "default", Pod: "client"},
				Destination: flow.Peer{IP: "10.0.0.2", Port: 80, Namespace: "default", Pod: "web"},
				Policy:      "NetworkPolicy default/allow-web ingress[0]",
			},
			want: stamp + ` n1 to-endpoint default/client:40000 -> default/web:80 TCP[SYN] ALLOWED policy="NetworkPolicy default/allow-web ingress[0]"`,
		},
		{
			name: "addresses",
			r: flow.Record{
				Time: flowTime, Node: "n1", Verdict: "DENIED", DropReason: "policy_default_deny", Direction: "egress", Protocol: "UDP",
				Source:      flow.Peer{IP: "fd00::1", Port: 53},
				Destination: flow.Peer{IP: "192.0.2.1", Port: 5353},
			},
			want: stamp + " n1 to-stack    [fd00::1]:53 -> 192.0.2.1:5353 UDP DENIED reason=policy_default_deny",
		},
		{
			name: "icmp",
			r: flow.Record{
				Time: flowTime, Verdict: "AUDIT", Protocol: "ICMP", ICMP: &flow.ICMP{Type: 8},
				Source:      flow.Peer{IP: "10.0.0.1"},
				Destination: flow.Peer{IP: "fd00::2"},
			},
			want: stamp + " - to-stack    10.0.0.1 -> fd00::2 ICMP[8/0] AUDIT",
		},
		{
			name: "end",
			r: flow.Record{
				Time: flowTime, Node: "n1", Verdict: "ALLOWED", Direction: "egress", Protocol: "TCP", TCPFlags: "FIN,SYN,ACK",
				Source:      flow.Peer{IP: "10.0.0.1", Port: 40000, Namespace: "default", Pod: "client"},
				Destination: flow.Peer{IP: "10.0.0.2", Port: 80},
				Type:        flow.TypeEnd, Totals: &flow.Totals{FwdPackets: 5, FwdBytes: 320, RevPackets: 4, RevBytes: 1200, End: flow.EndClosed},
			},
			want: stamp + " n1 to-stack    default/client:40000 -> 10.0.0.2:80 TCP[FIN,SYN,ACK] ALLOWED closed sent=5/320B received=4/1200B",
		},
	} {
		if got := FlowLine(&tc.r); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

func TestFlowFilter(t *testing.T) {
	r := &flow.Record{
		Verdict:     "DENIED",
		Source:      flow.Peer{Namespace: "shop", Pod: "cart"},
		Destination: flow.Peer{Namespace: "db", Pod: "pg"},
	}
	for _, tc := range []struct {
		verdict, namespace, pod string
		want                    bool
	}{
		{want: true},
		{verdict: "denied", want: true},
		{verdict: "ALLOWED", want: false},
		{namespace: "db", want: true},
		{namespace: "shop", want: true},
		{namespace: "other", want: false},
		{pod: "shop/cart", want: true},
		{pod: "db/pg", want: true},
		{pod: "db/cart", want: false},
		{verdict: "DENIED", namespace: "db", pod: "shop/cart", want: true},
	} {
		f, err := NewFlowFilter(tc.verdict, tc.namespace, tc.pod)
		if err != nil {
			t.Fatalf("NewFlowFilter(%q, %q, %q): %v", tc.verdict, tc.namespace, tc.pod, err)
		}
		if got := f.Match(r); got != tc.want {
			t.Errorf("filter %+v: match = %v, want %v", tc, got, tc.want)
		}
	}
	for _, bad := range [][3]string{{"DROPPED", "", ""}, {"", "", "cart"}, {"", "", "/cart"}, {"", "", "a/b/c"}} {
		if _, err := NewFlowFilter(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("NewFlowFilter(%q) succeeded", bad)
		}
	}
}
