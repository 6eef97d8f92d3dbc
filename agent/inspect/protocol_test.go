package inspect

import (
	"github.com/zeta-net/zeta/bpf"
	"slices"
	"testing"

	"github.com/zeta-net/zeta/bpf/maps/endpointmap"
)

func TestParseProtocol(t *testing.T) {
	for in, want := range map[string]uint8{"TCP": 6, "tcp": 6, "udp": 17, "SCTP": 132, "icmp": 1, "ICMPv6": 58, "47": 47} {
		got, err := bpf.ParseProtocol(in)
		if err != nil || got != want {
			t.Errorf("bpf.ParseProtocol(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "256", "tcpx", "-1"} {
		if _, err := bpf.ParseProtocol(in); err == nil {
			t.Errorf("bpf.ParseProtocol(%q) succeeded", in)
		}
	}
}

func TestNames(t *testing.T) {
	for p, want := range map[uint8]string{0: "any", 6: "TCP", 58: "ICMPv6", 47: "IP(47)"} {
		if got := bpf.ProtocolName(p); got != want {
			t.Errorf("bpf.ProtocolName(%d) = %q, want %q", p, got, want)
		}
	}
	if got := bpf.TCPFlags(0x12); got != "SYN,ACK" {
		t.Errorf("bpf.TCPFlags(0x12) = %q", got)
	}
	flags := FlagNames(endpointmap.EnforceIngress | endpointmap.AuditEgress | 0x40)
	if want := []string{"enforce-ingress", "audit-egress", "0x40"}; !slices.Equal(flags, want) {
		t.Errorf("FlagNames = %q, want %q", flags, want)
	}
	if flags := FlagNames(0); flags == nil || len(flags) != 0 {
		t.Errorf("FlagNames(0) = %#v, want an empty list", flags)
	}
}
