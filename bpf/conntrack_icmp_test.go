package bpf_test

import (
	"net/netip"
	"testing"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/pkttest"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/secid"
)

// TestPrivilegedConntrackEcho checks that an echo reply matches its
// request by identifier: it passes a default-deny endpoint, and a reply
// with another identifier does not.
func TestPrivilegedConntrackEcho(t *testing.T) {
	both(t, func(t *testing.T, dir policy.Direction) {
		d := newDatapath(t, enforceBoth)
		d.entry(policy.Entry{Direction: dir, Identity: peerID, Protocol: pkttest.ProtoICMP, Verdict: policy.Allow, Rule: 51})
		d.entry(policy.Entry{Direction: dir, Identity: peerID, Protocol: pkttest.ProtoICMPv6, Verdict: policy.Allow, Rule: 52})
		for i, fam := range families {
			req := initiated(dir, echo(fam.pod, fam.peer, 0x4242))
			d.expectNew(dir, req, judged{verdict: policy.Allow, peer: peerID, rule: policy.RuleID(51 + i)})
			d.expectPass(1-dir, req.reply(0).frame())

			stray := req.reply(0)
			stray.dport = 0x4343
			d.expectNew(1-dir, stray, judged{verdict: policy.Deny, reason: bpf.ReasonPolicyDefault, peer: peerID})

			if e := d.conntrack()[ctKey(req, dir)]; e.FwdPackets != 1 || e.RevPackets != 1 {
				t.Errorf("%s: echo entry counted %d forward, %d reverse packets", fam.name, e.FwdPackets, e.RevPackets)
			}
		}
	})
}

// icmpError is an ICMP (IPv4) or ICMPv6 error from src to dst quoting the
// datagram quoted, which is how quoted's sender sees it reported.
func icmpError(src, dst netip.Addr, quoted packet) packet {
	q := quoted.frame()[pkttest.EtherLen:]
	if len(q) > 48 {
		q = q[:48] // what a router quotes at least: the IP header and 8 bytes, and then some
	}
	if src.Is4() {
		return packet{src: src, dst: dst, proto: pkttest.ProtoICMP, icmpType: pkttest.ICMPDestUnreach, icmpCode: 1, payload: q}
	}
	return packet{src: src, dst: dst, proto: pkttest.ProtoICMPv6, icmpType: pkttest.ICMPv6DestUnreach, icmpCode: 4, payload: q}
}

// TestPrivilegedConntrackRelated checks ICMP errors: one quoting a tracked
// connection passes as related (a default-deny endpoint, no event, and the
// connection's counters untouched); one quoting an untracked connection,
// or too short to quote anything, is judged by policy like any packet.
func TestPrivilegedConntrackRelated(t *testing.T) {
	both(t, func(t *testing.T, dir policy.Direction) {
		d := newDatapath(t, enforceBoth)
		d.entry(policy.Entry{Direction: dir, Identity: peerID, Protocol: pkttest.ProtoTCP, Port: 80, PortPrefix: 16,
			Verdict: policy.Allow, Rule: 53})
		d.entry(policy.Entry{Direction: dir, Identity: peerID, Protocol: pkttest.ProtoUDP, Port: 53, PortPrefix: 16,
			Verdict: policy.Allow, Rule: 54})
		for _, fam := range families {
			world := world4
			if fam.pod.Is6() {
				world = world6
			}
			// A router (the world) reports on packets the initiator sent,
			// back to it: at the other hook for egress connections. For
			// ingress ones the pod reports on what the peer sent it, out of
			// its egress.
			reportOn := func(quoted packet) packet {
				if dir == policy.Egress {
					return icmpError(world, fam.pod, quoted)
				}
				return icmpError(fam.pod, fam.peer, quoted)
			}
			errPeer := peerID
			if dir == policy.Egress {
				errPeer = secid.World
			}

			for _, tracked := range []struct {
				conn packet
				rule policy.RuleID
			}{
				{initiated(dir, tcp(fam.pod, fam.peer, 40000, 80, pkttest.SYN)), 53},
				{initiated(dir, udp(fam.pod, fam.peer, 40000, 53)), 54},
			} {
				conn := tracked.conn
				d.expectNew(dir, conn, judged{verdict: policy.Allow, peer: peerID, rule: tracked.rule})
				before := d.conntrack()[ctKey(conn, dir)]
				d.expectPass(1-dir, reportOn(conn).frame())
				if after := d.conntrack()[ctKey(conn, dir)]; after != before {
					t.Errorf("%s: a related error changed the connection's entry: %+v, was %+v", fam.name, after, before)
				}

				untracked := conn
				untracked.sport++
				d.expectNew(1-dir, reportOn(untracked), judged{verdict: policy.Deny, reason: bpf.ReasonPolicyDefault, peer: errPeer})

				short := reportOn(conn)
				short.payload = short.payload[:10]
				d.expectNew(1-dir, short, judged{verdict: policy.Deny, reason: bpf.ReasonPolicyDefault, peer: errPeer})
			}
		}
	})
}

// TestPrivilegedConntrackRelatedEcho checks an error quoting an echo
// request (time exceeded for a ping) against the ping's entry.
func TestPrivilegedConntrackRelatedEcho(t *testing.T) {
	d := newDatapath(t, enforceBoth)
	d.entry(policy.Entry{Direction: policy.Egress, Identity: secid.Any, Verdict: policy.Allow, Rule: 55})
	for _, fam := range families {
		ping := echo(fam.pod, fam.peer, 9)
		d.expectNew(policy.Egress, ping, judged{verdict: policy.Allow, peer: peerID, rule: 55})
		exceeded := icmpError(fam.peer, fam.pod, ping)
		exceeded.icmpType, exceeded.icmpCode = 11, 0 // time exceeded
		if fam.pod.Is6() {
			exceeded.icmpType = 3
		}
		d.expectPass(policy.Ingress, exceeded.frame())

		other := echo(fam.pod, fam.peer, 10)
		unrelated := icmpError(fam.peer, fam.pod, other)
		d.expectNew(policy.Ingress, unrelated, judged{verdict: policy.Deny, reason: bpf.ReasonPolicyDefault, peer: peerID})
	}
}

// TestPrivilegedConntrackRelatedAllowed checks that an error quoting an
// untracked connection passes when policy allows ICMP from its sender, and
// then opens an entry of its own like any allowed packet.
func TestPrivilegedConntrackRelatedAllowed(t *testing.T) {
	d := newDatapath(t, enforceBoth)
	d.entry(policy.Entry{Direction: policy.Ingress, Identity: secid.World, Protocol: pkttest.ProtoICMP, Verdict: policy.Allow, Rule: 56})
	unrelated := icmpError(world4, pod4, tcp(pod4, peer4, 40000, 80, pkttest.SYN))
	d.expectNew(policy.Ingress, unrelated, judged{verdict: policy.Allow, peer: secid.World, rule: 56})
}
