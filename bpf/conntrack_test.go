package bpf_test

import (
	"net/netip"
	"testing"

	"github.com/cilium/ebpf"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/maps/ctmap"
	"github.com/zeta-net/zeta/bpf/maps/endpointmap"
	"github.com/zeta-net/zeta/bpf/pkttest"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/secid"
)

const enforceBoth = endpointmap.EnforceIngress | endpointmap.EnforceEgress

// families are the pod's and peerID's addresses in each family.
var families = []struct {
	name      string
	pod, peer netip.Addr
}{
	{"IPv4", pod4, peer4},
	{"IPv6", pod6, peer6},
}

// TestPrivilegedConntrackReply proves that replies and established packets
// pass without a policy lookup: the allow entry that let the connection
// open is removed, and the reply (at the other hook, on a default-deny
// endpoint) and the rest of the connection still pass, while a new
// connection, or an unsolicited packet from the peer, is denied. The one
// conntrack entry counts both directions.
func TestPrivilegedConntrackReply(t *testing.T) {
	both(t, func(t *testing.T, dir policy.Direction) {
		d := newDatapath(t, enforceBoth)
		back := 1 - dir
		for _, fam := range families {
			allow := policy.Entry{Direction: dir, Identity: peerID, Protocol: pkttest.ProtoTCP, Port: 80, PortPrefix: 16,
				Verdict: policy.Allow, Rule: 41}
			d.entry(allow)

			syn := initiated(dir, tcp(fam.pod, fam.peer, 40000, 80, pkttest.SYN))
			d.expectNew(dir, syn, judged{verdict: policy.Allow, peer: peerID, rule: 41})
			d.remove(allow)

			synAck := syn.reply(pkttest.SYN | pkttest.ACK).frame()
			ack := syn
			ack.tcpFlags = pkttest.ACK
			data := syn.reply(pkttest.ACK | pkttest.PSH).frame()
			d.expectPass(back, synAck)
			d.expectPass(dir, ack.frame())
			d.expectPass(back, data)

			another := syn
			another.sport = 40001
			d.expectNew(dir, another, judged{verdict: policy.Deny, reason: bpf.ReasonPolicyDefault, peer: peerID})
			// The peer opening a connection of its own, to the client's port.
			unsolicited := tcp(syn.dst, syn.src, 80, 40002, pkttest.SYN)
			d.expectNew(back, unsolicited, judged{verdict: policy.Deny, reason: bpf.ReasonPolicyDefault, peer: peerID})

			ct := d.conntrack()
			e, ok := ct[ctKey(syn, dir)]
			if !ok {
				t.Fatalf("%s: no conntrack entry for %+v in %+v", fam.name, ctKey(syn, dir), ct)
			}
			synLen, ackLen := len(syn.frame()), len(ack.frame())
			if e.FwdPackets != 2 || e.FwdBytes != uint64(synLen+ackLen) ||
				e.RevPackets != 2 || e.RevBytes != uint64(len(synAck)+len(data)) {
				t.Errorf("%s: counted %d/%d forward, %d/%d reverse packets/bytes; want 2/%d, 2/%d", fam.name,
					e.FwdPackets, e.FwdBytes, e.RevPackets, e.RevBytes, synLen+ackLen, len(synAck)+len(data))
			}
			if e.FwdTCPFlags != pkttest.SYN|pkttest.ACK || e.RevTCPFlags != pkttest.SYN|pkttest.ACK|pkttest.PSH {
				t.Errorf("%s: TCP flags forward %#x reverse %#x", fam.name, e.FwdTCPFlags, e.RevTCPFlags)
			}
		}
		if ct := d.conntrack(); len(ct) != len(families) {
			t.Errorf("conntrack holds %d entries, want one per family: %+v", len(ct), ct)
		}
	})
}

// TestPrivilegedConntrackUDP checks that a UDP reply passes a default-deny
// endpoint and is counted on the request's entry.
func TestPrivilegedConntrackUDP(t *testing.T) {
	both(t, func(t *testing.T, dir policy.Direction) {
		d := newDatapath(t, enforceBoth)
		d.entry(policy.Entry{Direction: dir, Identity: secid.Any, Protocol: pkttest.ProtoUDP, Port: 53, PortPrefix: 16,
			Verdict: policy.Allow, Rule: 42})
		for _, fam := range families {
			q := initiated(dir, udp(fam.pod, fam.peer, 40000, 53))
			d.expectNew(dir, q, judged{verdict: policy.Allow, peer: peerID, rule: 42})
			d.expectPass(1-dir, q.reply(0).frame())
			// The same ports with another peer are no reply.
			world := world4
			if fam.pod.Is6() {
				world = world6
			}
			spoofed := q.reply(0)
			if dir == policy.Egress {
				spoofed.src = world
			} else {
				spoofed.dst = world
			}
			d.expectNew(1-dir, spoofed, judged{verdict: policy.Deny, reason: bpf.ReasonPolicyDefault, peer: secid.World})
			if e := d.conntrack()[ctKey(q, dir)]; e.FwdPackets != 1 || e.RevPackets != 1 {
				t.Errorf("%s: entry counted %d forward, %d reverse packets", fam.name, e.FwdPackets, e.RevPackets)
			}
		}
	})
}

// TestPrivilegedConntrackHooks checks that an entry belongs to the hook
// that created it: a connection a pod opens at its egress does not let the
// same packet through a default-deny ingress, as it would when both pods
// of a connection live on one node.
func TestPrivilegedConntrackHooks(t *testing.T) {
	d := newDatapath(t, endpointmap.EnforceIngress)
	syn := tcp(pod4, peer4, 40000, 80, pkttest.SYN)
	d.expectNew(policy.Egress, syn, judged{verdict: policy.Allow, peer: peerID})
	// The same packet arriving at a pod through its to_pod hook (with one
	// test endpoint, its source is the endpoint's own address, podID): the
	// egress entry must not match.
	d.expectNew(policy.Ingress, syn, judged{verdict: policy.Deny, reason: bpf.ReasonPolicyDefault, peer: podID})
}

// TestPrivilegedConntrackExpired checks that an entry past its expiry is
// ignored: the connection's next packet is new again, judged by policy,
// and a reply no longer passes.
func TestPrivilegedConntrackExpired(t *testing.T) {
	both(t, func(t *testing.T, dir policy.Direction) {
		d := newDatapath(t, enforceBoth)
		allow := policy.Entry{Direction: dir, Identity: peerID, Protocol: pkttest.ProtoTCP, Port: 80, PortPrefix: 16,
			Verdict: policy.Allow, Rule: 43}
		d.entry(allow)
		syn := initiated(dir, tcp(pod4, peer4, 40000, 80, pkttest.SYN))
		d.expectNew(dir, syn, judged{verdict: policy.Allow, peer: peerID, rule: 43})
		d.remove(allow)

		d.expire(ctKey(syn, dir))
		d.expectNew(1-dir, syn.reply(pkttest.SYN|pkttest.ACK), judged{verdict: policy.Deny, reason: bpf.ReasonPolicyDefault, peer: peerID})
		d.expectNew(dir, syn, judged{verdict: policy.Deny, reason: bpf.ReasonPolicyDefault, peer: peerID})

		// Allowed again, the connection gets a fresh entry.
		d.entry(allow)
		stale := d.conntrack()[ctKey(syn, dir)]
		d.expectNew(dir, syn, judged{verdict: policy.Allow, peer: peerID, rule: 43})
		if e := d.conntrack()[ctKey(syn, dir)]; e.Created <= stale.Created || e.FwdPackets != 1 {
			t.Errorf("entry after expiry %+v, want a fresh one (the stale one was %+v)", e, stale)
		}
	})
}

// expire sets the entry's expiry in the past.
func (d *datapath) expire(k ctmap.Key) {
	d.t.Helper()
	var e ctmap.Entry
	if err := d.objs.CT.Lookup(k, &e); err != nil {
		d.t.Fatalf("look up conntrack entry: %v", err)
	}
	e.Expires = 1
	if err := d.objs.CT.Update(k, e, ebpf.UpdateExist); err != nil {
		d.t.Fatalf("expire conntrack entry: %v", err)
	}
}

// TestPrivilegedConntrackReopen checks that a SYN reusing the tuple of a
// connection that was closed (FIN) or reset is a new connection that
// policy judges again, not part of the old one.
func TestPrivilegedConntrackReopen(t *testing.T) {
	both(t, func(t *testing.T, dir policy.Direction) {
		for _, closing := range []uint8{pkttest.FIN | pkttest.ACK, pkttest.RST} {
			d := newDatapath(t, enforceBoth)
			back := 1 - dir
			allow := policy.Entry{Direction: dir, Identity: peerID, Protocol: pkttest.ProtoTCP, Port: 80, PortPrefix: 16,
				Verdict: policy.Allow, Rule: 43}
			d.entry(allow)

			syn := initiated(dir, tcp(pod4, peer4, 40000, 80, pkttest.SYN))
			d.expectNew(dir, syn, judged{verdict: policy.Allow, peer: peerID, rule: 43})
			d.expectPass(back, syn.reply(pkttest.SYN|pkttest.ACK).frame())
			end := syn
			end.tcpFlags = closing
			d.expectPass(dir, end.frame())

			// Policy now denies: the same tuple's next SYN must not ride the
			// old entry.
			d.remove(allow)
			d.expectNew(dir, syn, judged{verdict: policy.Deny, reason: bpf.ReasonPolicyDefault, peer: peerID})
		}
	})
}
