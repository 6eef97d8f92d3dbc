package bpf_test

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/maps/endpointmap"
	"github.com/zeta-net/zeta/bpf/pkttest"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/secid"
)

// ends are the addresses of a packet in the direction under test: the pod
// sends to peerID's address at egress and receives from it at ingress.
type ends struct{ src, dst netip.Addr }

func endsFor(dir policy.Direction, v6 bool) ends {
	pod, peer := pod4, peer4
	if v6 {
		pod, peer = pod6, peer6
	}
	if dir == policy.Ingress {
		return ends{peer, pod}
	}
	return ends{pod, peer}
}

func ip4(e ends, h pkttest.IPv4, l4 []byte) []byte {
	h.Src, h.Dst = e.src, e.dst
	return h.Frame(l4)
}

func ip6(e ends, h pkttest.IPv6, l4 []byte) []byte {
	h.Src, h.Dst = e.src, e.dst
	return h.Frame(l4)
}

// Building blocks of the parser table.
var (
	syn80    = pkttest.TCP{SrcPort: 40000, DstPort: 80, Flags: pkttest.SYN}.Marshal()
	udp53    = pkttest.UDP{SrcPort: 40000, DstPort: 53}.Marshal()
	sctp3868 = pkttest.SCTP{SrcPort: 40000, DstPort: 3868}.Marshal()
	nops     = func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = 1 // IPOPT_NOOP
		}
		return b
	}
)

// What the parser reads from the blocks above.
func readTCP(e ends) packet { return tcp(e.src, e.dst, 40000, 80, pkttest.SYN) }
func readUDP(e ends) packet { return udp(e.src, e.dst, 40000, 53) }
func readSCTP(e ends) packet {
	return packet{src: e.src, dst: e.dst, proto: pkttest.ProtoSCTP, sport: 40000, dport: 3868}
}

// readL3 is what the parser knows after a good IP header of protocol proto.
func readL3(proto uint8) func(ends) packet {
	return func(e ends) packet { return packet{src: e.src, dst: e.dst, proto: proto} }
}

// readPorts is readL3 with the ports of the blocks above.
func readPorts(proto uint8) func(ends) packet {
	return func(e ends) packet { return packet{src: e.src, dst: e.dst, proto: proto, sport: 40000, dport: 80} }
}

func readNothing(ends) packet { return packet{} }

func readICMP(proto, typ uint8, sport, dport uint16) func(ends) packet {
	return func(e ends) packet {
		return packet{src: e.src, dst: e.dst, proto: proto, sport: sport, dport: dport, icmpType: typ}
	}
}

// parseOutcome is what happens to a packet the parser accepts.
type parseOutcome int

const (
	parsedGood     parseOutcome = iota // allowed by an unenforced endpoint
	parsedNoPolicy                     // passes a default-deny endpoint, no event
	parsedDenied                       // reaches policy on a default-deny endpoint
)

// parseCase is one parser branch.
type parseCase struct {
	name   string
	frame  func(e ends) []byte
	v6     bool
	want   parseOutcome
	reason bpf.Reason        // a parser drop, or 0
	read   func(ends) packet // what the parser read
}

func parseCases() []parseCase {
	const (
		noPolicy = parsedNoPolicy
		denied   = parsedDenied
	)
	eight := make([]pkttest.Ext, 8)
	for i := range eight {
		eight[i] = pkttest.Ext{Kind: []uint8{pkttest.ProtoDestOpts, pkttest.ProtoRouting}[i%2]}
	}
	nine := append([]pkttest.Ext{{Kind: pkttest.ProtoHopByHop}}, eight...)

	return []parseCase{
		// Layer 2.
		{name: "ARP", want: noPolicy, frame: func(e ends) []byte { return pkttest.ARPRequest(e.src, e.dst) }},
		{name: "ARP header only", want: noPolicy, frame: func(ends) []byte { return pkttest.Ethernet(pkttest.EtherTypeARP, nil) }},
		{name: "unknown ethertype", reason: bpf.ReasonUnknownL3, read: readNothing,
			frame: func(ends) []byte { return pkttest.Ethernet(pkttest.EtherTypeLLDP, make([]byte, 46)) }},
		{name: "VLAN tag in the frame", reason: bpf.ReasonUnknownL3, read: readNothing,
			frame: func(e ends) []byte {
				inner := pkttest.IPv4{Src: e.src, Dst: e.dst, Protocol: pkttest.ProtoTCP}.Frame(syn80)
				return pkttest.Ethernet(pkttest.EtherTypeVLAN, append([]byte{0, 100}, inner[12:]...))
			}},

		// IPv4 headers.
		{name: "IPv4 TCP", read: readTCP,
			frame: func(e ends) []byte { return ip4(e, pkttest.IPv4{Protocol: pkttest.ProtoTCP}, syn80) }},
		{name: "IPv4 one word of options", read: readTCP,
			frame: func(e ends) []byte {
				return ip4(e, pkttest.IPv4{Protocol: pkttest.ProtoTCP, Options: nops(4)}, syn80)
			}},
		{name: "IPv4 40 bytes of options", read: readTCP,
			frame: func(e ends) []byte {
				return ip4(e, pkttest.IPv4{Protocol: pkttest.ProtoTCP, Options: nops(40)}, syn80)
			}},
		{name: "IPv4 don't fragment", read: readTCP,
			frame: func(e ends) []byte {
				return ip4(e, pkttest.IPv4{Protocol: pkttest.ProtoTCP, DontFragment: true}, syn80)
			}},
		{name: "IPv4 total length 0 (BIG TCP)", read: readTCP,
			frame: func(e ends) []byte {
				return ip4(e, pkttest.IPv4{Protocol: pkttest.ProtoTCP, TotalLen: new(uint16(0))}, syn80)
			}},
		{name: "IPv4 bad version", reason: bpf.ReasonMalformedIP, read: readNothing,
			frame: func(e ends) []byte { return ip4(e, pkttest.IPv4{Protocol: pkttest.ProtoTCP, Version: 6}, syn80) }},
		{name: "IPv4 ihl 4", reason: bpf.ReasonMalformedIP, read: readNothing,
			frame: func(e ends) []byte { return ip4(e, pkttest.IPv4{Protocol: pkttest.ProtoTCP, IHL: 4}, syn80) }},
		{name: "IPv4 total length below 20", reason: bpf.ReasonMalformedIP, read: readNothing,
			frame: func(e ends) []byte {
				return ip4(e, pkttest.IPv4{Protocol: pkttest.ProtoTCP, TotalLen: new(uint16(19))}, syn80)
			}},
		{name: "IPv4 total length below ihl*4", reason: bpf.ReasonMalformedIP, read: readNothing,
			frame: func(e ends) []byte {
				return ip4(e, pkttest.IPv4{Protocol: pkttest.ProtoTCP, Options: nops(8), TotalLen: new(uint16(24))}, syn80)
			}},
		{name: "IPv4 options beyond the packet", reason: bpf.ReasonTruncated, read: readL3(pkttest.ProtoUDP),
			frame: func(e ends) []byte {
				return ip4(e, pkttest.IPv4{Protocol: pkttest.ProtoUDP, IHL: 15, TotalLen: new(uint16(0))}, udp53)
			}},

		// IPv4 transports.
		{name: "IPv4 UDP", read: readUDP,
			frame: func(e ends) []byte { return ip4(e, pkttest.IPv4{Protocol: pkttest.ProtoUDP}, udp53) }},
		{name: "IPv4 SCTP", read: readSCTP,
			frame: func(e ends) []byte { return ip4(e, pkttest.IPv4{Protocol: pkttest.ProtoSCTP}, sctp3868) }},
		{name: "IPv4 ICMP echo request", read: readICMP(pkttest.ProtoICMP, pkttest.ICMPEchoRequest, 77, 0),
			frame: func(e ends) []byte {
				return ip4(e, pkttest.IPv4{Protocol: pkttest.ProtoICMP}, pkttest.ICMP{Type: pkttest.ICMPEchoRequest, ID: 77}.Marshal())
			}},
		{name: "IPv4 ICMP echo reply", read: readICMP(pkttest.ProtoICMP, pkttest.ICMPEchoReply, 0, 77),
			frame: func(e ends) []byte {
				return ip4(e, pkttest.IPv4{Protocol: pkttest.ProtoICMP}, pkttest.ICMP{Type: pkttest.ICMPEchoReply, ID: 77}.Marshal())
			}},
		{name: "IPv4 ICMP timestamp", read: readICMP(pkttest.ProtoICMP, 13, 0, 0),
			frame: func(e ends) []byte {
				return ip4(e, pkttest.IPv4{Protocol: pkttest.ProtoICMP}, pkttest.ICMP{Type: 13, ID: 77}.Marshal())
			}},
		{name: "IPv4 GRE", read: readL3(pkttest.ProtoGRE),
			frame: func(e ends) []byte { return ip4(e, pkttest.IPv4{Protocol: pkttest.ProtoGRE}, make([]byte, 4)) }},
		{name: "IPv4 GRE without payload", read: readL3(pkttest.ProtoGRE),
			frame: func(e ends) []byte { return ip4(e, pkttest.IPv4{Protocol: pkttest.ProtoGRE}, nil) }},
		{name: "IPv4 TCP truncated in the ports", reason: bpf.ReasonTruncated, read: readL3(pkttest.ProtoTCP),
			frame: func(e ends) []byte { return ip4(e, pkttest.IPv4{Protocol: pkttest.ProtoTCP}, syn80[:3]) }},
		{name: "IPv4 TCP truncated before the flags", reason: bpf.ReasonTruncated, read: readPorts(pkttest.ProtoTCP),
			frame: func(e ends) []byte { return ip4(e, pkttest.IPv4{Protocol: pkttest.ProtoTCP}, syn80[:13]) }},
		{name: "IPv4 TCP data offset 4", reason: bpf.ReasonMalformedL4, read: readPorts(pkttest.ProtoTCP),
			frame: func(e ends) []byte {
				return ip4(e, pkttest.IPv4{Protocol: pkttest.ProtoTCP},
					pkttest.TCP{SrcPort: 40000, DstPort: 80, Flags: pkttest.SYN, DataOffset: 4}.Marshal())
			}},
		{name: "IPv4 UDP truncated", reason: bpf.ReasonTruncated, read: readL3(pkttest.ProtoUDP),
			frame: func(e ends) []byte { return ip4(e, pkttest.IPv4{Protocol: pkttest.ProtoUDP}, udp53[:3]) }},
		{name: "IPv4 SCTP truncated", reason: bpf.ReasonTruncated, read: readL3(pkttest.ProtoSCTP),
			frame: func(e ends) []byte { return ip4(e, pkttest.IPv4{Protocol: pkttest.ProtoSCTP}, sctp3868[:3]) }},
		{name: "IPv4 ICMP truncated", reason: bpf.ReasonTruncated, read: readL3(pkttest.ProtoICMP),
			frame: func(e ends) []byte {
				return ip4(e, pkttest.IPv4{Protocol: pkttest.ProtoICMP}, pkttest.ICMP{Type: pkttest.ICMPEchoRequest}.Marshal()[:7])
			}},

		// IPv6 headers.
		{name: "IPv6 TCP", v6: true, read: readTCP,
			frame: func(e ends) []byte { return ip6(e, pkttest.IPv6{Protocol: pkttest.ProtoTCP}, syn80) }},
		{name: "IPv6 bad version", v6: true, reason: bpf.ReasonMalformedIP, read: readNothing,
			frame: func(e ends) []byte { return ip6(e, pkttest.IPv6{Protocol: pkttest.ProtoTCP, Version: 4}, syn80) }},
		{name: "IPv6 no next header", v6: true, read: readL3(pkttest.ProtoNone),
			frame: func(e ends) []byte { return ip6(e, pkttest.IPv6{Protocol: pkttest.ProtoNone}, nil) }},

		// IPv6 extension headers.
		{name: "IPv6 hop-by-hop", v6: true, read: readTCP,
			frame: func(e ends) []byte {
				return ip6(e, pkttest.IPv6{Ext: []pkttest.Ext{{Kind: pkttest.ProtoHopByHop}}, Protocol: pkttest.ProtoTCP}, syn80)
			}},
		{name: "IPv6 hop-by-hop of 24 bytes", v6: true, read: readTCP,
			frame: func(e ends) []byte {
				return ip6(e, pkttest.IPv6{Ext: []pkttest.Ext{{Kind: pkttest.ProtoHopByHop, Len: 2}}, Protocol: pkttest.ProtoTCP}, syn80)
			}},
		{name: "IPv6 routing", v6: true, read: readTCP,
			frame: func(e ends) []byte {
				return ip6(e, pkttest.IPv6{Ext: []pkttest.Ext{{Kind: pkttest.ProtoRouting, Len: 2}}, Protocol: pkttest.ProtoTCP}, syn80)
			}},
		{name: "IPv6 destination options", v6: true, read: readTCP,
			frame: func(e ends) []byte {
				return ip6(e, pkttest.IPv6{Ext: []pkttest.Ext{{Kind: pkttest.ProtoDestOpts, Len: 1}}, Protocol: pkttest.ProtoTCP}, syn80)
			}},
		{name: "IPv6 AH of 12 bytes", v6: true, read: readTCP,
			frame: func(e ends) []byte {
				return ip6(e, pkttest.IPv6{Ext: []pkttest.Ext{{Kind: pkttest.ProtoAH, Len: 1}}, Protocol: pkttest.ProtoTCP}, syn80)
			}},
		{name: "IPv6 AH of 24 bytes", v6: true, read: readTCP,
			frame: func(e ends) []byte {
				return ip6(e, pkttest.IPv6{Ext: []pkttest.Ext{{Kind: pkttest.ProtoAH, Len: 4}}, Protocol: pkttest.ProtoTCP}, syn80)
			}},
		{name: "IPv6 atomic fragment", v6: true, read: readTCP,
			frame: func(e ends) []byte {
				return ip6(e, pkttest.IPv6{Ext: []pkttest.Ext{{Kind: pkttest.ProtoFragment, ID: 9}}, Protocol: pkttest.ProtoTCP}, syn80)
			}},
		{name: "IPv6 every kind of extension header", v6: true, read: readUDP,
			frame: func(e ends) []byte {
				return ip6(e, pkttest.IPv6{Ext: []pkttest.Ext{
					{Kind: pkttest.ProtoHopByHop}, {Kind: pkttest.ProtoDestOpts, Len: 1}, {Kind: pkttest.ProtoRouting},
					{Kind: pkttest.ProtoFragment, ID: 9}, {Kind: pkttest.ProtoAH, Len: 3}, {Kind: pkttest.ProtoDestOpts},
				}, Protocol: pkttest.ProtoUDP}, udp53)
			}},
		{name: "IPv6 extension header then no next header", v6: true, read: readL3(pkttest.ProtoNone),
			frame: func(e ends) []byte {
				return ip6(e, pkttest.IPv6{Ext: []pkttest.Ext{{Kind: pkttest.ProtoDestOpts}}, Protocol: pkttest.ProtoNone}, nil)
			}},
		{name: "IPv6 eight extension headers", v6: true, read: readTCP,
			frame: func(e ends) []byte { return ip6(e, pkttest.IPv6{Ext: eight, Protocol: pkttest.ProtoTCP}, syn80) }},
		{name: "IPv6 nine extension headers", v6: true, reason: bpf.ReasonIPv6ExtLimit, read: readL3(0),
			frame: func(e ends) []byte { return ip6(e, pkttest.IPv6{Ext: nine, Protocol: pkttest.ProtoTCP}, syn80) }},
		{name: "IPv6 truncated extension header", v6: true, reason: bpf.ReasonTruncated, read: readL3(0),
			frame: func(e ends) []byte {
				f := ip6(e, pkttest.IPv6{Ext: []pkttest.Ext{{Kind: pkttest.ProtoHopByHop}}, Protocol: pkttest.ProtoTCP}, nil)
				return f[:len(f)-1]
			}},
		{name: "IPv6 extension header longer than the packet", v6: true, reason: bpf.ReasonTruncated, read: readL3(pkttest.ProtoTCP),
			frame: func(e ends) []byte {
				return ip6(e, pkttest.IPv6{Ext: []pkttest.Ext{{Kind: pkttest.ProtoDestOpts}, {Kind: pkttest.ProtoRouting, Len: 20}}, Protocol: pkttest.ProtoTCP}, nil)[:pkttest.EtherLen+40+16]
			}},
		{name: "IPv6 AH longer than the packet", v6: true, reason: bpf.ReasonTruncated, read: readL3(pkttest.ProtoTCP),
			frame: func(e ends) []byte {
				f := ip6(e, pkttest.IPv6{Ext: []pkttest.Ext{{Kind: pkttest.ProtoAH, Len: 4}}, Protocol: pkttest.ProtoTCP}, syn80)
				return f[:pkttest.EtherLen+40+24+3]
			}},

		// IPv6 transports.
		{name: "IPv6 UDP", v6: true, read: readUDP,
			frame: func(e ends) []byte { return ip6(e, pkttest.IPv6{Protocol: pkttest.ProtoUDP}, udp53) }},
		{name: "IPv6 SCTP", v6: true, read: readSCTP,
			frame: func(e ends) []byte { return ip6(e, pkttest.IPv6{Protocol: pkttest.ProtoSCTP}, sctp3868) }},
		{name: "IPv6 ICMPv6 echo request", v6: true, read: readICMP(pkttest.ProtoICMPv6, pkttest.ICMPv6EchoRequest, 77, 0),
			frame: func(e ends) []byte {
				return ip6(e, pkttest.IPv6{Protocol: pkttest.ProtoICMPv6}, pkttest.ICMP{Type: pkttest.ICMPv6EchoRequest, ID: 77}.Marshal())
			}},
		{name: "IPv6 ICMPv6 echo reply", v6: true, read: readICMP(pkttest.ProtoICMPv6, pkttest.ICMPv6EchoReply, 0, 77),
			frame: func(e ends) []byte {
				return ip6(e, pkttest.IPv6{Protocol: pkttest.ProtoICMPv6}, pkttest.ICMP{Type: pkttest.ICMPv6EchoReply, ID: 77}.Marshal())
			}},
		{name: "IPv6 GRE", v6: true, read: readL3(pkttest.ProtoGRE),
			frame: func(e ends) []byte { return ip6(e, pkttest.IPv6{Protocol: pkttest.ProtoGRE}, make([]byte, 4)) }},
		{name: "IPv6 TCP truncated in the ports", v6: true, reason: bpf.ReasonTruncated, read: readL3(pkttest.ProtoTCP),
			frame: func(e ends) []byte { return ip6(e, pkttest.IPv6{Protocol: pkttest.ProtoTCP}, syn80[:3]) }},
		{name: "IPv6 TCP truncated before the flags", v6: true, reason: bpf.ReasonTruncated, read: readPorts(pkttest.ProtoTCP),
			frame: func(e ends) []byte { return ip6(e, pkttest.IPv6{Protocol: pkttest.ProtoTCP}, syn80[:13]) }},
		{name: "IPv6 TCP data offset 4", v6: true, reason: bpf.ReasonMalformedL4, read: readPorts(pkttest.ProtoTCP),
			frame: func(e ends) []byte {
				return ip6(e, pkttest.IPv6{Protocol: pkttest.ProtoTCP},
					pkttest.TCP{SrcPort: 40000, DstPort: 80, Flags: pkttest.SYN, DataOffset: 4}.Marshal())
			}},
		{name: "IPv6 TCP data offset 4 after an extension header", v6: true, reason: bpf.ReasonMalformedL4, read: readPorts(pkttest.ProtoTCP),
			frame: func(e ends) []byte {
				return ip6(e, pkttest.IPv6{Ext: []pkttest.Ext{{Kind: pkttest.ProtoDestOpts}}, Protocol: pkttest.ProtoTCP},
					pkttest.TCP{SrcPort: 40000, DstPort: 80, Flags: pkttest.SYN, DataOffset: 4}.Marshal())
			}},
		{name: "IPv6 UDP truncated", v6: true, reason: bpf.ReasonTruncated, read: readL3(pkttest.ProtoUDP),
			frame: func(e ends) []byte { return ip6(e, pkttest.IPv6{Protocol: pkttest.ProtoUDP}, udp53[:3]) }},
		{name: "IPv6 ICMPv6 truncated", v6: true, reason: bpf.ReasonTruncated, read: readL3(pkttest.ProtoICMPv6),
			frame: func(e ends) []byte {
				return ip6(e, pkttest.IPv6{Protocol: pkttest.ProtoICMPv6}, pkttest.ICMP{Type: pkttest.ICMPv6EchoRequest}.Marshal()[:7])
			}},

		// Neighbour discovery, and its neighbours that are not exempt.
		{name: "ICMPv6 router solicitation", v6: true, want: noPolicy, frame: icmp6(133)},
		{name: "ICMPv6 router advertisement", v6: true, want: noPolicy, frame: icmp6(134)},
		{name: "ICMPv6 neighbour solicitation", v6: true, want: noPolicy, frame: icmp6(135)},
		{name: "ICMPv6 neighbour advertisement", v6: true, want: noPolicy, frame: icmp6(136)},
		{name: "ICMPv6 redirect", v6: true, want: noPolicy, frame: icmp6(137)},
		{name: "ICMPv6 MLD query", v6: true, want: noPolicy, frame: icmp6(130)},
		{name: "ICMPv6 MLDv2 report", v6: true, want: noPolicy, frame: icmp6(143)},
		{name: "ICMPv6 type 129 is not exempt", v6: true, want: denied, read: readICMP(pkttest.ProtoICMPv6, 129, 0, 0), frame: icmp6(129)},
		{name: "ICMPv6 type 138 is not exempt", v6: true, want: denied, read: readICMP(pkttest.ProtoICMPv6, 138, 0, 0), frame: icmp6(138)},
		{name: "ICMP type 133 is not exempt", want: denied, read: readICMP(pkttest.ProtoICMP, 133, 0, 0),
			frame: func(e ends) []byte {
				return ip4(e, pkttest.IPv4{Protocol: pkttest.ProtoICMP}, pkttest.ICMP{Type: 133}.Marshal())
			}},
	}
}

// TestPrivilegedParse runs every parser branch of both families through
// zeta_from_pod. A good packet reaches policy (here an unenforced
// endpoint, which allows it and tracks the tuple the parser read); a bad
// one is dropped, counted with its reason, and reported with what the
// parser had read when it gave up; ARP and neighbour discovery pass a
// default-deny endpoint without policy.
func TestPrivilegedParse(t *testing.T) {
	for _, tc := range parseCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, policy.Egress)
		})
	}
}

// TestPrivilegedParseIngress runs a sample of the parser table through
// zeta_to_pod, which shares the parser: what differs is the direction the
// results are reported in.
func TestPrivilegedParseIngress(t *testing.T) {
	sample := map[string]bool{
		"ARP": true, "unknown ethertype": true, "IPv4 ihl 4": true, "IPv4 options beyond the packet": true,
		"IPv4 TCP data offset 4": true, "IPv4 GRE": true, "IPv6 every kind of extension header": true,
		"IPv6 nine extension headers": true, "ICMPv6 neighbour solicitation": true, "ICMPv6 type 138 is not exempt": true,
	}
	for _, tc := range parseCases() {
		if !sample[tc.name] {
			continue
		}
		delete(sample, tc.name)
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, policy.Ingress)
		})
	}
	if len(sample) != 0 {
		t.Errorf("no parser cases named %v", sample)
	}
}

func (tc parseCase) run(t *testing.T, dir policy.Direction) {
	flags := endpointmap.Flags(0)
	if tc.want != parsedGood {
		flags = endpointmap.EnforceIngress | endpointmap.EnforceEgress
	}
	d := newDatapath(t, flags)
	e := endsFor(dir, tc.v6)
	frame := tc.frame(e)
	switch {
	case tc.want == parsedNoPolicy:
		d.expectPass(dir, frame)
		if ct := d.conntrack(); len(ct) != 0 {
			t.Errorf("conntrack entries for a packet without policy: %+v", ct)
		}
	case tc.reason != bpf.ReasonNone:
		// Parser drops name no peer.
		d.expectNewFrame(dir, frame, tc.read(e), judged{verdict: policy.Deny, reason: tc.reason, peer: secid.World})
	case tc.want == parsedDenied:
		d.expectNewFrame(dir, frame, tc.read(e), judged{verdict: policy.Deny, reason: bpf.ReasonPolicyDefault, peer: peerID})
	default:
		d.expectNewFrame(dir, frame, tc.read(e), judged{verdict: policy.Allow, peer: peerID})
	}
}

// icmp6 builds an ICMPv6 message of type typ.
func icmp6(typ uint8) func(e ends) []byte {
	return func(e ends) []byte {
		return ip6(e, pkttest.IPv6{Protocol: pkttest.ProtoICMPv6}, pkttest.ICMP{Type: typ}.Marshal())
	}
}

// TestPrivilegedParseShortHeaders documents what BPF_PROG_TEST_RUN
// refuses on this kernel, so that the parser branches for it are tested on
// a real veth instead (TestPrivilegedVethTruncated): a frame shorter than
// an Ethernet header, and an IPv4 or IPv6 ethertype without a whole fixed
// IP header behind it.
func TestPrivilegedParseShortHeaders(t *testing.T) {
	d := newDatapath(t, endpointmap.EnforceEgress)
	var frames [][]byte
	for n := range pkttest.EtherLen {
		frames = append(frames, make([]byte, n))
	}
	for _, n := range []int{0, 1, 19} {
		frames = append(frames, pkttest.Ethernet(pkttest.EtherTypeIPv4, make([]byte, n)))
	}
	for _, n := range []int{0, 1, 39} {
		frames = append(frames, pkttest.Ethernet(pkttest.EtherTypeIPv6, make([]byte, n)))
	}
	for _, f := range frames {
		_, err := d.objs.FromPod.Run(&ebpf.RunOptions{Data: f, Context: &skbContext{Ifindex: d.ifindex}})
		if !errors.Is(err, unix.EINVAL) {
			t.Errorf("%d-byte frame % x: %v, want EINVAL", len(f), f, err)
		}
	}
	if m := d.sum(); len(m) != 0 {
		t.Errorf("counters moved: %+v", m)
	}
}
