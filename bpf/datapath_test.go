package bpf_test

import (
	"encoding/binary"
	"errors"
	"maps"
	"net"
	"net/netip"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/ringbuf"
	"golang.org/x/sys/unix"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/maps/ctmap"
	"github.com/zeta-net/zeta/bpf/maps/endpointmap"
	"github.com/zeta-net/zeta/bpf/maps/eventmap"
	"github.com/zeta-net/zeta/bpf/maps/ipcache"
	"github.com/zeta-net/zeta/bpf/maps/metricsmap"
	"github.com/zeta-net/zeta/bpf/maps/policymap"
	"github.com/zeta-net/zeta/bpf/pkttest"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/secid"
)

// This file is the harness of the datapath tests: it loads fresh objects,
// registers one endpoint, runs frames through BPF_PROG_TEST_RUN and
// reports what each packet did to the return code, the counters, the flow
// events and the conntrack table.

// TCX return codes.
const (
	tcxNext uint32 = 0xffffffff // TCX_NEXT, -1
	tcxDrop uint32 = 2
)

// The endpoint under test and the addresses around it. The ipcache maps
// peer4/peer6 (a /32 and a /128) to peerID, the rest of their /24 and /64
// to netID, and the pod's own addresses to podID; world4/world6 are in no
// prefix.
const (
	epID   uint32   = 7
	podID  secid.ID = 1000
	peerID secid.ID = 2000
	netID  secid.ID = 3000
)

var (
	pod4   = netip.MustParseAddr("10.0.0.1")
	peer4  = netip.MustParseAddr("10.0.1.5")
	inNet4 = netip.MustParseAddr("10.0.1.6")
	world4 = netip.MustParseAddr("192.0.2.1")
	pod6   = netip.MustParseAddr("fd00::1")
	peer6  = netip.MustParseAddr("fd00:1::5")
	inNet6 = netip.MustParseAddr("fd00:1::6")
	world6 = netip.MustParseAddr("2001:db8::1")

	identities = map[netip.Prefix]secid.ID{
		netip.MustParsePrefix("10.0.0.1/32"):   podID,
		netip.MustParsePrefix("10.0.1.0/24"):   netID,
		netip.MustParsePrefix("10.0.1.5/32"):   peerID,
		netip.MustParsePrefix("fd00::1/128"):   podID,
		netip.MustParsePrefix("fd00:1::/64"):   netID,
		netip.MustParsePrefix("fd00:1::5/128"): peerID,
	}
)

// requirePrivileged skips tests that load BPF programs when not root.
func requirePrivileged(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
}

// skbContext is the head of struct __sk_buff up to ifindex. Of these,
// BPF_PROG_TEST_RUN reads mark, priority, ingress_ifindex and ifindex; a
// non-zero ifindex makes the skb arrive on that device (the loopback
// otherwise), which is what the programs look their endpoint up by.
type skbContext struct {
	Len, PktType, Mark, QueueMapping, Protocol uint32
	VlanPresent, VlanTCI, VlanProto, Priority  uint32
	IngressIfindex, Ifindex                    uint32
}

// loopback returns the ifindex of the loopback device, the device the
// test skbs arrive on.
func loopback(t *testing.T) uint32 {
	t.Helper()
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Fatalf("find loopback: %v", err)
	}
	return uint32(lo.Index)
}

// datapath is one test's private copy of the programs and maps.
type datapath struct {
	t        *testing.T
	objs     *bpf.Objects
	ifindex  uint32
	policy   *policymap.Map
	ct       *ctmap.Map
	metrics  *metricsmap.Map
	ring     *ringbuf.Reader
	counters map[metricsmap.Key]metricsmap.Value
}

// testOptions keep the conntrack table small: preallocating it is, after
// zeta_metrics (which Options cannot size), most of the load time.
var testOptions = bpf.Options{CTEntries: 4096}

// newDatapath loads fresh objects and registers the endpoint epID with
// identity podID and flags on the loopback device.
func newDatapath(t *testing.T, flags endpointmap.Flags) *datapath {
	t.Helper()
	return newDatapathWith(t, flags, testOptions)
}

func newDatapathWith(t *testing.T, flags endpointmap.Flags, opts bpf.Options) *datapath {
	t.Helper()
	requirePrivileged(t)
	objs, err := bpf.Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { objs.Close() })
	d := &datapath{
		t:        t,
		objs:     objs,
		ifindex:  loopback(t),
		policy:   policymap.New(objs.Policy),
		ct:       ctmap.New(objs.CT),
		metrics:  metricsmap.New(objs.Metrics),
		counters: map[metricsmap.Key]metricsmap.Value{},
	}
	info := endpointmap.Info{ID: epID, Identity: uint32(podID), Flags: flags}
	if err := endpointmap.New(objs.Endpoints).Upsert(d.ifindex, info); err != nil {
		t.Fatal(err)
	}
	ipc := ipcache.New(objs.IPCache4, objs.IPCache6)
	for p, id := range identities {
		if err := ipc.Upsert(p, uint32(id)); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// entry installs an endpoint's policy entry, remove deletes it.
func (d *datapath) entry(e policy.Entry) {
	d.t.Helper()
	if err := d.policy.Update(policymap.KeyOf(epID, e)); err != nil {
		d.t.Fatal(err)
	}
}

func (d *datapath) remove(e policy.Entry) {
	d.t.Helper()
	k, _ := policymap.KeyOf(epID, e)
	if err := d.policy.Delete(k); err != nil {
		d.t.Fatal(err)
	}
}

// run runs frame through the program for dir: zeta_from_pod for the pod's
// egress, zeta_to_pod for its ingress.
func (d *datapath) run(dir policy.Direction, frame []byte) uint32 {
	d.t.Helper()
	prog := d.objs.ToPod
	if dir == policy.Egress {
		prog = d.objs.FromPod
	}
	code, err := prog.Run(&ebpf.RunOptions{Data: frame, Context: &skbContext{Ifindex: d.ifindex}})
	if err != nil {
		d.t.Fatalf("run %s program: %v", dir, err)
	}
	return code
}

// result is what one packet did.
type result struct {
	code    uint32
	metrics map[metricsmap.Key]metricsmap.Value // the counters it moved, by how much
	events  []eventmap.Event
}

// send runs frame and reports what it did.
func (d *datapath) send(dir policy.Direction, frame []byte) result {
	d.t.Helper()
	code := d.run(dir, frame)
	r := d.collect()
	r.code = code
	return r
}

// collect reports the counters moved and the events emitted since the
// last call.
func (d *datapath) collect() result {
	d.t.Helper()
	r := result{metrics: map[metricsmap.Key]metricsmap.Value{}}
	now := d.sum()
	for k, v := range now {
		if old := d.counters[k]; old != v {
			r.metrics[k] = metricsmap.Value{Packets: v.Packets - old.Packets, Bytes: v.Bytes - old.Bytes}
		}
	}
	d.counters = now
	r.events = d.events()
	return r
}

func (d *datapath) sum() map[metricsmap.Key]metricsmap.Value {
	d.t.Helper()
	m, err := d.metrics.Sum()
	if err != nil {
		d.t.Fatal(err)
	}
	return m
}

// events reads every event in the ring buffer. The programs have submitted
// them before BPF_PROG_TEST_RUN returns, so an expired deadline reads all
// of them and then stops.
func (d *datapath) events() []eventmap.Event {
	d.t.Helper()
	if d.ring == nil {
		rd, err := ringbuf.NewReader(d.objs.Events)
		if err != nil {
			d.t.Fatal(err)
		}
		d.t.Cleanup(func() { rd.Close() })
		d.ring = rd
	}
	d.ring.SetDeadline(time.Now())
	var evs []eventmap.Event
	for {
		rec, err := d.ring.Read()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return evs
		}
		if err != nil {
			d.t.Fatal(err)
		}
		var ev eventmap.Event
		if err := eventmap.Decode(rec.RawSample, &ev); err != nil {
			d.t.Fatal(err)
		}
		evs = append(evs, ev)
	}
}

func (d *datapath) conntrack() map[ctmap.Key]ctmap.Entry {
	d.t.Helper()
	m, err := d.ct.List()
	if err != nil {
		d.t.Fatal(err)
	}
	return m
}

func (d *datapath) counter(c eventmap.Counter) uint64 {
	d.t.Helper()
	n, err := eventmap.ReadCounter(d.objs.Counters, c)
	if err != nil {
		d.t.Fatal(err)
	}
	return n
}

// packet is a well-formed packet, and what the parser should read from it.
type packet struct {
	src, dst     netip.Addr
	proto        uint8
	sport, dport uint16 // ICMP echo: the identifier is sport of a request, dport of a reply
	tcpFlags     uint8
	icmpType     uint8
	icmpCode     uint8
	payload      []byte // ICMP errors: the quoted datagram
}

// hasPorts reports whether the policy sees p's ports (else port 0).
func (p packet) hasPorts() bool {
	return p.proto == pkttest.ProtoTCP || p.proto == pkttest.ProtoUDP || p.proto == pkttest.ProtoSCTP
}

func tcp(src, dst netip.Addr, sport, dport uint16, flags uint8) packet {
	return packet{src: src, dst: dst, proto: pkttest.ProtoTCP, sport: sport, dport: dport, tcpFlags: flags}
}

func udp(src, dst netip.Addr, sport, dport uint16) packet {
	return packet{src: src, dst: dst, proto: pkttest.ProtoUDP, sport: sport, dport: dport}
}

// echo is an ICMP or ICMPv6 echo request, by the family of src.
func echo(src, dst netip.Addr, id uint16) packet {
	if src.Is4() {
		return packet{src: src, dst: dst, proto: pkttest.ProtoICMP, sport: id, icmpType: pkttest.ICMPEchoRequest}
	}
	return packet{src: src, dst: dst, proto: pkttest.ProtoICMPv6, sport: id, icmpType: pkttest.ICMPv6EchoRequest}
}

// reply is the answer to p: ends swapped, an echo request turned into a
// reply, TCP flags as given.
func (p packet) reply(flags uint8) packet {
	r := p
	r.src, r.dst, r.sport, r.dport, r.tcpFlags = p.dst, p.src, p.dport, p.sport, flags
	switch p.icmpType {
	case pkttest.ICMPEchoRequest:
		r.icmpType = pkttest.ICMPEchoReply
	case pkttest.ICMPv6EchoRequest:
		r.icmpType = pkttest.ICMPv6EchoReply
	}
	return r
}

func (p packet) frame() []byte {
	var l4 []byte
	switch p.proto {
	case pkttest.ProtoTCP:
		l4 = pkttest.TCP{SrcPort: p.sport, DstPort: p.dport, Flags: p.tcpFlags}.Marshal()
	case pkttest.ProtoUDP:
		l4 = pkttest.UDP{SrcPort: p.sport, DstPort: p.dport}.Marshal()
	case pkttest.ProtoSCTP:
		l4 = pkttest.SCTP{SrcPort: p.sport, DstPort: p.dport}.Marshal()
	case pkttest.ProtoICMP, pkttest.ProtoICMPv6:
		id := p.sport
		if p.icmpType == pkttest.ICMPEchoReply || p.icmpType == pkttest.ICMPv6EchoReply {
			id = p.dport
		}
		l4 = pkttest.ICMP{Type: p.icmpType, Code: p.icmpCode, ID: id, Seq: 1, Payload: p.payload}.Marshal()
	default:
		l4 = make([]byte, 8)
	}
	return pkttest.Frame(p.src, p.dst, p.proto, l4)
}

// netPort returns port in network byte order, as the maps store it.
func netPort(port uint16) uint16 {
	var b [2]byte
	binary.BigEndian.PutUint16(b[:], port)
	return binary.NativeEndian.Uint16(b[:])
}

func raw(a netip.Addr) (uint8, [16]byte) {
	if !a.IsValid() {
		return 0, [16]byte{}
	}
	return bpf.RawAddr(a)
}

// ctKey is the conntrack key of a connection p opens at the hook for dir.
func ctKey(p packet, dir policy.Direction) ctmap.Key {
	family, src := raw(p.src)
	_, dst := raw(p.dst)
	flags := uint8(ctmap.FlagIngress)
	if dir == policy.Egress {
		flags = ctmap.FlagEgress
	}
	return ctmap.Key{SrcAddr: src, DstAddr: dst, SrcPortNet: netPort(p.sport), DstPortNet: netPort(p.dport),
		Protocol: p.proto, Family: family, Flags: flags}
}

// judged is how the datapath should judge a packet.
type judged struct {
	verdict policy.Verdict // Deny drops; Allow and Audit pass
	reason  bpf.Reason
	peer    secid.ID
	rule    policy.RuleID
}

func metricsKey(dir policy.Direction, v policy.Verdict, r bpf.Reason) metricsmap.Key {
	return metricsmap.Key{Endpoint: epID, Verdict: v, Reason: r, Direction: dir}
}

// flowEvent is the event for p, frameLen bytes long, judged j in dir.
func (d *datapath) flowEvent(dir policy.Direction, p packet, frameLen int, j judged) eventmap.Event {
	family, src := raw(p.src)
	_, dst := raw(p.dst)
	ev := eventmap.Event{
		SrcAddr: src, DstAddr: dst, SrcPortNet: netPort(p.sport), DstPortNet: netPort(p.dport),
		Endpoint: epID, Rule: uint32(j.rule), Ifindex: d.ifindex, Len: uint32(frameLen),
		Family: family, Protocol: p.proto, Direction: dir, Verdict: j.verdict, Reason: j.reason,
		TCPFlags: p.tcpFlags, ICMPType: p.icmpType, ICMPCode: p.icmpCode,
		SrcIdentity: uint32(j.peer), DstIdentity: uint32(podID),
	}
	if dir == policy.Egress {
		ev.SrcIdentity, ev.DstIdentity = ev.DstIdentity, ev.SrcIdentity
	}
	return ev
}

// expectEvents checks that got are want, timestamps aside.
func expectEvents(t *testing.T, got []eventmap.Event, want ...eventmap.Event) {
	t.Helper()
	for i := range got {
		if got[i].Timestamp == 0 {
			t.Errorf("event %d has no timestamp", i)
		}
		got[i].Timestamp = 0
	}
	if !slices.Equal(got, want) {
		t.Errorf("events:\n got %+v\nwant %+v", got, want)
	}
}

// expectCounted checks that r moved exactly one counter, by one packet of
// frameLen bytes.
func expectCounted(t *testing.T, r result, k metricsmap.Key, frameLen int) {
	t.Helper()
	want := map[metricsmap.Key]metricsmap.Value{k: {Packets: 1, Bytes: uint64(frameLen)}}
	if !maps.Equal(r.metrics, want) {
		t.Errorf("counters moved: %+v, want %+v", r.metrics, want)
	}
}

// expectNew sends the first packet of a connection and checks its
// verdict, counter, flow event and conntrack entry (none for a drop).
func (d *datapath) expectNew(dir policy.Direction, p packet, j judged) {
	d.t.Helper()
	d.expectNewFrame(dir, p.frame(), p, j)
}

// expectNewFrame is expectNew for a frame built by hand, from which the
// parser should read p (up to where it gave up, for a parser drop).
func (d *datapath) expectNewFrame(dir policy.Direction, frame []byte, p packet, j judged) {
	d.t.Helper()
	before := d.conntrack()
	r := d.send(dir, frame)
	wantCode := tcxNext
	if j.verdict == policy.Deny {
		wantCode = tcxDrop
	}
	if r.code != wantCode {
		d.t.Errorf("return code %#x, want %#x", r.code, wantCode)
	}
	expectCounted(d.t, r, metricsKey(dir, j.verdict, j.reason), len(frame))
	expectEvents(d.t, r.events, d.flowEvent(dir, p, len(frame), j))

	after := d.conntrack()
	maps.DeleteFunc(after, func(k ctmap.Key, e ctmap.Entry) bool { return before[k] == e })
	if j.verdict == policy.Deny {
		if len(after) != 0 {
			d.t.Errorf("a dropped packet changed conntrack: %+v", after)
		}
		return
	}
	k := ctKey(p, dir)
	e, ok := after[k]
	if !ok || len(after) != 1 {
		d.t.Fatalf("conntrack changes %+v, want one entry for %+v", after, k)
	}
	if e.Endpoint != epID || e.PeerIdentity != uint32(j.peer) || e.Rule != uint32(j.rule) ||
		policy.Verdict(e.Verdict) != j.verdict || e.FwdPackets != 1 || e.FwdBytes != uint64(len(frame)) ||
		e.RevPackets != 0 || e.FwdTCPFlags != p.tcpFlags || e.Created == 0 || e.Expires <= e.Created {
		d.t.Errorf("conntrack entry %+v, want endpoint %d, peer %d, rule %d, verdict %s, 1 packet of %d bytes, flags %#x",
			e, epID, j.peer, j.rule, j.verdict, len(frame), p.tcpFlags)
	}
}

// expectPass sends a packet that passes without a policy lookup (a reply,
// an established packet, ARP, neighbour discovery): counted as allowed, no
// event.
func (d *datapath) expectPass(dir policy.Direction, frame []byte) {
	d.t.Helper()
	r := d.send(dir, frame)
	if r.code != tcxNext {
		d.t.Errorf("return code %#x, want TCX_NEXT", r.code)
	}
	expectCounted(d.t, r, metricsKey(dir, policy.Allow, bpf.ReasonNone), len(frame))
	expectEvents(d.t, r.events)
}

// monotonic reads CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns.
func monotonic(t *testing.T) uint64 {
	t.Helper()
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		t.Fatal(err)
	}
	return uint64(ts.Nano())
}

// both runs f for each direction, as a parallel subtest.
func both(t *testing.T, f func(t *testing.T, dir policy.Direction)) {
	for _, dir := range []policy.Direction{policy.Egress, policy.Ingress} {
		t.Run(dir.String(), func(t *testing.T) {
			t.Parallel()
			f(t, dir)
		})
	}
}

// initiated returns p, written as the pod's packet to a peer, as the first
// packet of a connection in dir: the pod opens it for egress, the peer
// for ingress (addresses swapped, ports kept).
func initiated(dir policy.Direction, p packet) packet {
	if dir == policy.Ingress {
		p.src, p.dst = p.dst, p.src
	}
	return p
}
