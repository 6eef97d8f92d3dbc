package bpf_test

import (
	"testing"
	"time"

	"github.com/zeta-net/zeta/bpf/pkttest"
	"github.com/zeta-net/zeta/policy"
)

// step is one packet of a connection: forward (from its initiator) or
// reverse, with TCP flags.
type step struct {
	reverse bool
	flags   uint8
}

var (
	fwd = func(flags uint8) step { return step{flags: flags} }
	rev = func(flags uint8) step { return step{reverse: true, flags: flags} }
)

// TestPrivilegedConntrackTimeouts checks that every packet sets a
// connection's expiry to now plus nf_conntrack's default timeout for the
// state it leaves the connection in, bracketing "now" with
// CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns.
func TestPrivilegedConntrackTimeouts(t *testing.T) {
	const (
		syn = pkttest.SYN
		ack = pkttest.ACK
		fin = pkttest.FIN
		rst = pkttest.RST
	)
	for _, tc := range []struct {
		name  string
		open  packet
		steps []step
		want  []time.Duration // after each step
	}{
		{"TCP SYN_SENT", tcp(pod4, peer4, 40000, 80, 0), []step{fwd(syn)}, []time.Duration{120 * time.Second}},
		{"TCP handshake", tcp(pod4, peer4, 40000, 80, 0),
			[]step{fwd(syn), rev(syn | ack), fwd(ack), fwd(ack), rev(ack)},
			[]time.Duration{120 * time.Second, 60 * time.Second, 432000 * time.Second, 432000 * time.Second, 432000 * time.Second}},
		{"TCP picked up mid-stream", tcp(pod4, peer4, 40000, 80, 0), []step{fwd(ack), rev(ack)},
			[]time.Duration{432000 * time.Second, 432000 * time.Second}},
		{"TCP FIN from the initiator", tcp(pod4, peer4, 40000, 80, 0),
			[]step{fwd(syn), rev(syn | ack), fwd(ack), fwd(fin | ack), rev(fin | ack), fwd(ack)},
			[]time.Duration{120 * time.Second, 60 * time.Second, 432000 * time.Second, 120 * time.Second, 120 * time.Second, 120 * time.Second}},
		{"TCP FIN from the responder", tcp(pod4, peer4, 40000, 80, 0),
			[]step{fwd(syn), rev(syn | ack), fwd(ack), rev(fin | ack)},
			[]time.Duration{120 * time.Second, 60 * time.Second, 432000 * time.Second, 60 * time.Second}},
		{"TCP RST", tcp(pod4, peer4, 40000, 80, 0),
			[]step{fwd(syn), rev(syn | ack), fwd(ack), rev(rst)},
			[]time.Duration{120 * time.Second, 60 * time.Second, 432000 * time.Second, 10 * time.Second}},
		{"TCP RST from the initiator", tcp(pod6, peer6, 40000, 80, 0),
			[]step{fwd(syn), rev(syn | ack), fwd(rst)},
			[]time.Duration{120 * time.Second, 60 * time.Second, 10 * time.Second}},
		{"UDP", udp(pod4, peer4, 40000, 53), []step{fwd(0), fwd(0), rev(0), fwd(0)},
			[]time.Duration{30 * time.Second, 30 * time.Second, 120 * time.Second, 120 * time.Second}},
		{"UDP over IPv6", udp(pod6, peer6, 40000, 53), []step{fwd(0), rev(0)},
			[]time.Duration{30 * time.Second, 120 * time.Second}},
		{"SCTP", packet{src: pod4, dst: peer4, proto: pkttest.ProtoSCTP, sport: 40000, dport: 3868},
			[]step{fwd(0), rev(0)}, []time.Duration{30 * time.Second, 210 * time.Second}},
		{"ICMP echo", echo(pod4, peer4, 7), []step{fwd(0), rev(0)}, []time.Duration{30 * time.Second, 30 * time.Second}},
		{"ICMPv6 echo", echo(pod6, peer6, 7), []step{fwd(0), rev(0)}, []time.Duration{30 * time.Second, 30 * time.Second}},
		{"other protocols", packet{src: pod4, dst: peer4, proto: pkttest.ProtoGRE}, []step{fwd(0), rev(0)},
			[]time.Duration{600 * time.Second, 600 * time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := newDatapath(t, 0)
			dir := policy.Egress
			key := ctKey(tc.open, dir)
			for i, s := range tc.steps {
				p, hook := tc.open, dir
				p.tcpFlags = s.flags
				if s.reverse {
					p, hook = p.reply(s.flags), 1-dir
				}
				before := monotonic(t)
				d.run(hook, p.frame())
				after := monotonic(t)

				e, ok := d.conntrack()[key]
				if !ok {
					t.Fatalf("step %d: no conntrack entry %+v", i, key)
				}
				want := uint64(tc.want[i])
				if e.Expires < before+want || e.Expires > after+want {
					t.Errorf("step %d (%+v): expires in %v, want %v", i, s,
						time.Duration(e.Expires-before), tc.want[i])
				}
				if i == 0 && e.Expires-e.Created != want {
					t.Errorf("created with a lifetime of %v, want %v", time.Duration(e.Expires-e.Created), tc.want[i])
				}
			}
		})
	}
}
