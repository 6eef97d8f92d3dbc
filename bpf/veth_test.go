package bpf_test

import (
	"encoding/binary"
	"errors"
	"maps"
	"os"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/maps/endpointmap"
	"github.com/zeta-net/zeta/bpf/maps/metricsmap"
	"github.com/zeta-net/zeta/bpf/pkttest"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/secid"
	"github.com/zeta-net/zeta/tests/netnstest"
)

// vethPair is a veth pair in a private network namespace with the
// programs attached to its host side, as the agent attaches them to a
// pod's veth.
type vethPair struct {
	*datapath
	host, pod int // ifindexes
}

// newVethPair must run on the test's goroutine: it moves it into a new
// network namespace until the test ends.
func newVethPair(t *testing.T, flags endpointmap.Flags) *vethPair {
	t.Helper()
	netnstest.Enter(t)
	// No IPv6 on the new links: no router solicitations or MLD reports to
	// show up in the counters.
	for _, conf := range []string{"all", "default"} {
		if err := os.WriteFile("/proc/sys/net/ipv6/conf/"+conf+"/disable_ipv6", []byte("1"), 0); err != nil {
			t.Fatal(err)
		}
	}
	la := netlink.NewLinkAttrs()
	la.Name = "zhost"
	if err := netlink.LinkAdd(&netlink.Veth{LinkAttrs: la, PeerName: "zpod"}); err != nil {
		t.Fatalf("add veth: %v", err)
	}
	v := &vethPair{}
	for _, x := range []struct {
		name  string
		index *int
	}{{"zhost", &v.host}, {"zpod", &v.pod}} {
		l, err := netlink.LinkByName(x.name)
		if err != nil {
			t.Fatal(err)
		}
		if err := netlink.LinkSetUp(l); err != nil {
			t.Fatalf("set %s up: %v", x.name, err)
		}
		*x.index = l.Attrs().Index
	}

	v.datapath = newDatapath(t, flags)
	eps := endpointmap.New(v.objs.Endpoints)
	if err := eps.Delete(v.ifindex); err != nil {
		t.Fatal(err)
	}
	v.ifindex = uint32(v.host)
	if err := eps.Upsert(v.ifindex, endpointmap.Info{ID: epID, Identity: uint32(podID), Flags: flags}); err != nil {
		t.Fatal(err)
	}
	for _, a := range []struct {
		prog   *ebpf.Program
		attach ebpf.AttachType
	}{{v.objs.FromPod, ebpf.AttachTCXIngress}, {v.objs.ToPod, ebpf.AttachTCXEgress}} {
		l, err := link.AttachTCX(link.TCXOptions{Interface: v.host, Program: a.prog, Attach: a.attach})
		if err != nil {
			t.Fatalf("attach tcx: %v", err)
		}
		t.Cleanup(func() { l.Close() })
	}
	return v
}

// transmit sends frame through the datapath for dir: the pod sends it out
// of its end of the pair (zeta_from_pod sees it arrive on the host side),
// or the host sends it out of the host side (zeta_to_pod). It waits for
// the packet to be counted and reports what it did.
func (v *vethPair) transmit(dir policy.Direction, frame []byte) result {
	v.t.Helper()
	out := v.host
	if dir == policy.Egress {
		out = v.pod
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, 0)
	if err != nil {
		v.t.Fatal(err)
	}
	defer unix.Close(fd)
	proto := binary.BigEndian.Uint16(frame[12:])
	err = unix.Sendto(fd, frame, 0, &unix.SockaddrLinklayer{Ifindex: out, Protocol: netPort(proto)})
	// A drop at TCX egress is the sender's: it gets ENOBUFS.
	if err != nil && (dir == policy.Egress || !errors.Is(err, unix.ENOBUFS)) {
		v.t.Fatalf("send %d bytes on %d: %v", len(frame), out, err)
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if m := v.sum(); !maps.Equal(m, v.counters) {
			return v.collect()
		}
	}
	v.t.Fatalf("the %s program never counted the packet", dir)
	return result{}
}

// TestPrivilegedVethTruncated sends on a real veth what
// BPF_PROG_TEST_RUN refuses (TestPrivilegedParseShortHeaders): frames
// whose ethertype is IPv4 or IPv6 with less than a whole IP header behind
// it. A pod can send them through a packet socket; both programs drop them
// as truncated. A well-formed packet checks the setup. A frame shorter
// than an Ethernet header cannot be sent at all.
func TestPrivilegedVethTruncated(t *testing.T) {
	v := newVethPair(t, enforceBoth)
	for _, dir := range []policy.Direction{policy.Egress, policy.Ingress} {
		e := endsFor(dir, false)
		syn := tcp(e.src, e.dst, 40000, 80, pkttest.SYN)
		r := v.transmit(dir, syn.frame())
		expectCounted(t, r, metricsKey(dir, policy.Deny, bpf.ReasonPolicyDefault), len(syn.frame()))
		expectEvents(t, r.events, v.flowEvent(dir, syn, len(syn.frame()),
			judged{verdict: policy.Deny, reason: bpf.ReasonPolicyDefault, peer: peerID}))

		for _, frame := range [][]byte{
			pkttest.Ethernet(pkttest.EtherTypeIPv4, nil),
			pkttest.Ethernet(pkttest.EtherTypeIPv4, []byte{0x45}),
			pkttest.IPv4{Src: e.src, Dst: e.dst, Protocol: pkttest.ProtoTCP}.Frame(nil)[:pkttest.EtherLen+19],
			pkttest.Ethernet(pkttest.EtherTypeIPv6, nil),
			pkttest.IPv6{Src: pod6, Dst: peer6, Protocol: pkttest.ProtoTCP}.Frame(nil)[:pkttest.EtherLen+39],
		} {
			r := v.transmit(dir, frame)
			want := map[metricsmap.Key]metricsmap.Value{
				metricsKey(dir, policy.Deny, bpf.ReasonTruncated): {Packets: 1, Bytes: uint64(len(frame))},
			}
			if !maps.Equal(r.metrics, want) {
				t.Errorf("%s, %d-byte frame: counters moved %+v, want %+v", dir, len(frame), r.metrics, want)
			}
			expectEvents(t, r.events, v.flowEvent(dir, packet{}, len(frame),
				judged{verdict: policy.Deny, reason: bpf.ReasonTruncated, peer: secid.World}))
		}
	}

	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	runt := pkttest.Ethernet(pkttest.EtherTypeIPv4, nil)[:pkttest.EtherLen-1]
	if err := unix.Sendto(fd, runt, 0, &unix.SockaddrLinklayer{Ifindex: v.pod}); !errors.Is(err, unix.EINVAL) {
		t.Errorf("send a %d-byte frame: %v, want EINVAL", len(runt), err)
	}
}
