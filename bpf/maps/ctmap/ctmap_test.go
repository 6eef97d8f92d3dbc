package ctmap

import (
	"testing"

	"github.com/zeta-net/zeta/bpf"
)

// TestClosed: a TCP connection has ended once each side sent a FIN or
// either sent a RST; other protocols end only by expiring.
func TestClosed(t *testing.T) {
	const syn, ack = 0x02, 0x10
	tcp, udp := Key{Protocol: bpf.ProtoTCP}, Key{Protocol: bpf.ProtoUDP}
	for _, tc := range []struct {
		name     string
		k        Key
		fwd, rev uint8
		want     bool
	}{
		{"established", tcp, syn | ack, syn | ack, false},
		{"half closed by the initiator", tcp, syn | ack | tcpFIN, syn | ack, false},
		{"half closed by the responder", tcp, syn | ack, syn | ack | tcpFIN, false},
		{"closed", tcp, syn | ack | tcpFIN, syn | ack | tcpFIN, true},
		{"reset by the responder", tcp, syn, tcpRST | ack, true},
		{"reset by the initiator", tcp, syn | ack | tcpRST, syn | ack, true},
		{"udp with flag bits", udp, tcpFIN | tcpRST, tcpFIN, false},
	} {
		if got := (Entry{FwdTCPFlags: tc.fwd, RevTCPFlags: tc.rev}).Closed(tc.k); got != tc.want {
			t.Errorf("%s: Closed = %v, want %v", tc.name, got, tc.want)
		}
	}
}
