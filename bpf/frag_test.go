package bpf_test

import (
	"net/netip"
	"testing"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/maps/ctmap"
	"github.com/zeta-net/zeta/bpf/maps/endpointmap"
	"github.com/zeta-net/zeta/bpf/pkttest"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/secid"
)

// fragment builds one fragment of the datagram p (a TCP segment): the
// first carries the TCP header, a later one at offset (8-byte units) only
// payload, which here looks like a TCP header with other ports so that a
// parser reading it would be caught.
func fragment(p packet, id uint32, offset uint16, more bool) []byte {
	l4 := pkttest.TCP{SrcPort: p.sport, DstPort: p.dport, Flags: p.tcpFlags, Payload: make([]byte, 16)}.Marshal()
	if offset > 0 {
		l4 = pkttest.TCP{SrcPort: 1, DstPort: 2, Flags: pkttest.RST}.Marshal()
	}
	if p.src.Is4() {
		return pkttest.IPv4{Src: p.src, Dst: p.dst, Protocol: pkttest.ProtoTCP, ID: uint16(id),
			FragOffset: offset, MoreFragments: more}.Frame(l4)
	}
	return pkttest.IPv6{Src: p.src, Dst: p.dst, Protocol: pkttest.ProtoTCP,
		Ext: []pkttest.Ext{{Kind: pkttest.ProtoFragment, ID: id, FragOffset: offset, More: more}}}.Frame(l4)
}

// TestPrivilegedFragments checks that the first fragment of a datagram is
// judged by policy and leaves its ports in zeta_frags, that later
// fragments get the same verdict with the ports resolved from there, and
// that a later fragment whose first was never seen is dropped.
func TestPrivilegedFragments(t *testing.T) {
	both(t, func(t *testing.T, dir policy.Direction) {
		d := newDatapath(t, flagsFor(dir).enforce)
		d.entry(policy.Entry{Direction: dir, Identity: peerID, Protocol: pkttest.ProtoTCP, Port: 80, PortPrefix: 16,
			Verdict: policy.Allow, Rule: 31})
		for _, fam := range []struct {
			name      string
			pod, peer netip.Addr
			id        uint32 // above 16 bits for IPv6, whose identifiers are 32 bits
		}{
			{"IPv4", pod4, peer4, 0x1234},
			{"IPv6", pod6, peer6, 0x12345678},
		} {
			ok := initiated(dir, tcp(fam.pod, fam.peer, 40000, 80, pkttest.SYN))
			bad := initiated(dir, tcp(fam.pod, fam.peer, 40001, 81, pkttest.SYN))

			// An allowed datagram: the first fragment opens the connection,
			// the middle and last pass as part of it.
			first := fragment(ok, fam.id, 0, true)
			d.expectNewFrame(dir, first, ok, judged{verdict: policy.Allow, peer: peerID, rule: 31})
			d.expectFragPorts(ok, fam.id, 40000, 80)
			middle, last := fragment(ok, fam.id, 5, true), fragment(ok, fam.id, 10, false)
			d.expectPass(dir, middle)
			d.expectPass(dir, last)
			e := d.conntrack()[ctKey(ok, dir)]
			if want := uint64(len(first) + len(middle) + len(last)); e.FwdPackets != 3 || e.FwdBytes != want {
				t.Errorf("%s: conntrack counted %d packets, %d bytes; want 3, %d", fam.name, e.FwdPackets, e.FwdBytes, want)
			}

			// A denied datagram: every fragment is denied, the later ones
			// with the ports of the first.
			d.expectNewFrame(dir, fragment(bad, fam.id+1, 0, true), bad,
				judged{verdict: policy.Deny, reason: bpf.ReasonPolicyDefault, peer: peerID})
			later := bad
			later.tcpFlags = 0
			d.expectNewFrame(dir, fragment(bad, fam.id+1, 10, false), later,
				judged{verdict: policy.Deny, reason: bpf.ReasonPolicyDefault, peer: peerID})

			// A later fragment of a datagram whose first was not seen.
			orphan := packet{src: ok.src, dst: ok.dst, proto: pkttest.ProtoTCP}
			d.expectNewFrame(dir, fragment(ok, fam.id+2, 10, false), orphan,
				judged{verdict: policy.Deny, reason: bpf.ReasonFragUnknown, peer: secid.World})
			if t.Failed() {
				t.Fatalf("%s failed", fam.name)
			}
		}
	})
}

// TestPrivilegedFragmentUnknownUnenforced checks that a fragment without
// its first is dropped even where no policy is enforced: its ports, and so
// its connection, are unknown.
func TestPrivilegedFragmentUnknownUnenforced(t *testing.T) {
	both(t, func(t *testing.T, dir policy.Direction) {
		d := newDatapath(t, 0)
		for _, p := range []packet{
			initiated(dir, tcp(pod4, peer4, 40000, 80, 0)),
			initiated(dir, tcp(pod6, peer6, 40000, 80, 0)),
		} {
			d.expectNewFrame(dir, fragment(p, 7, 3, true), packet{src: p.src, dst: p.dst, proto: pkttest.ProtoTCP},
				judged{verdict: policy.Deny, reason: bpf.ReasonFragUnknown, peer: secid.World})
		}
	})
}

// TestPrivilegedFragmentKeys checks that fragments are matched by the
// whole key: the same identifier between other addresses, or of another
// protocol, is another datagram.
func TestPrivilegedFragmentKeys(t *testing.T) {
	d := newDatapath(t, endpointmap.EnforceEgress)
	d.entry(policy.Entry{Direction: policy.Egress, Identity: secid.Any, Verdict: policy.Allow, Rule: 32})
	p := tcp(pod4, peer4, 40000, 80, pkttest.SYN)
	d.expectNewFrame(policy.Egress, fragment(p, 99, 0, true), p,
		judged{verdict: policy.Allow, peer: peerID, rule: 32})

	other := p
	other.dst = inNet4
	d.expectNewFrame(policy.Egress, fragment(other, 99, 10, false), packet{src: other.src, dst: other.dst, proto: pkttest.ProtoTCP},
		judged{verdict: policy.Deny, reason: bpf.ReasonFragUnknown, peer: secid.World})

	udpLater := pkttest.IPv4{Src: p.src, Dst: p.dst, Protocol: pkttest.ProtoUDP, ID: 99, FragOffset: 10}.Frame(make([]byte, 8))
	d.expectNewFrame(policy.Egress, udpLater, packet{src: p.src, dst: p.dst, proto: pkttest.ProtoUDP},
		judged{verdict: policy.Deny, reason: bpf.ReasonFragUnknown, peer: secid.World})
}

// expectFragPorts checks the ports and protocol zeta_frags holds for
// datagram id of p.
func (d *datapath) expectFragPorts(p packet, id uint32, sport, dport uint16) {
	d.t.Helper()
	family, src := raw(p.src)
	_, dst := raw(p.dst)
	k := ctmap.FragKey{SrcAddr: src, DstAddr: dst, ID: id, Protocol: p.proto, Family: family}
	var v ctmap.FragPorts
	if err := d.objs.Frags.Lookup(k, &v); err != nil {
		d.t.Fatalf("look up fragment %+v: %v", k, err)
	}
	if want := (ctmap.FragPorts{SrcPortNet: netPort(sport), DstPortNet: netPort(dport), Protocol: p.proto}); v != want {
		d.t.Errorf("fragment ports %+v, want %+v", v, want)
	}
}

// TestPrivilegedFragmentIPv6ExtAfterFragment checks IPv6 fragments whose
// fragmentable part starts with an extension header, as with IPsec AH in
// transport mode (RFC 8200 4.1 puts AH and final destination options after
// the Fragment header). The Fragment header of every fragment then names
// AH as the next header, but only the first fragment carries it: in later
// ones what follows is payload, which the parser must not walk as headers.
func TestPrivilegedFragmentIPv6ExtAfterFragment(t *testing.T) {
	d := newDatapath(t, endpointmap.EnforceEgress)
	d.entry(policy.Entry{Direction: policy.Egress, Identity: peerID, Protocol: pkttest.ProtoUDP, Port: 4500, PortPrefix: 16,
		Verdict: policy.Allow, Rule: 33})
	dgram := udp(pod6, peer6, 40000, 4500)

	first := pkttest.IPv6{Src: pod6, Dst: peer6, Protocol: pkttest.ProtoUDP, Ext: []pkttest.Ext{
		{Kind: pkttest.ProtoFragment, ID: 77, More: true},
		{Kind: pkttest.ProtoAH, Len: 4},
	}}.Frame(pkttest.UDP{SrcPort: 40000, DstPort: 4500, Payload: make([]byte, 32)}.Marshal())
	d.expectNewFrame(policy.Egress, first, dgram, judged{verdict: policy.Allow, peer: peerID, rule: 33})

	// The rest of the UDP payload: arbitrary bytes.
	rest := make([]byte, 48)
	for i := range rest {
		rest[i] = byte(i)
	}
	later := pkttest.IPv6{Src: pod6, Dst: peer6, Protocol: pkttest.ProtoAH, Ext: []pkttest.Ext{
		{Kind: pkttest.ProtoFragment, ID: 77, FragOffset: 8},
	}}.Frame(rest)
	d.expectPass(policy.Egress, later)
}
