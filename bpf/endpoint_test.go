package bpf_test

import (
	"errors"
	"maps"
	"testing"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/maps/endpointmap"
	"github.com/zeta-net/zeta/bpf/maps/metricsmap"
	"github.com/zeta-net/zeta/bpf/pkttest"
	"github.com/zeta-net/zeta/policy"
)

// TestPrivilegedNoEndpoint checks that a packet on an interface the
// endpoints map does not know passes untouched, counted under endpoint 0
// with reason no_endpoint: no policy, no event, no conntrack entry, even
// when the packet would be malformed or denied for a known endpoint.
func TestPrivilegedNoEndpoint(t *testing.T) {
	both(t, func(t *testing.T, dir policy.Direction) {
		d := newDatapath(t, endpointmap.EnforceIngress|endpointmap.EnforceEgress)
		// Move the endpoint to an interface the skbs do not arrive on.
		eps := endpointmap.New(d.objs.Endpoints)
		if err := eps.Delete(d.ifindex); err != nil {
			t.Fatal(err)
		}
		if err := eps.Upsert(d.ifindex+1000, endpointmap.Info{ID: epID, Identity: uint32(podID),
			Flags: endpointmap.EnforceIngress | endpointmap.EnforceEgress}); err != nil {
			t.Fatal(err)
		}

		for _, frame := range [][]byte{
			initiated(dir, tcp(pod4, peer4, 40000, 80, pkttest.SYN)).frame(),
			initiated(dir, udp(pod6, world6, 40000, 53)).frame(),
			pkttest.Ethernet(pkttest.EtherTypeLLDP, make([]byte, 46)),
			pkttest.IPv4{Src: pod4, Dst: peer4, Version: 5}.Frame(nil),
		} {
			r := d.send(dir, frame)
			if r.code != tcxNext {
				t.Errorf("return code %#x, want TCX_NEXT", r.code)
			}
			want := map[metricsmap.Key]metricsmap.Value{
				{Endpoint: 0, Verdict: policy.Allow, Reason: bpf.ReasonNoEndpoint, Direction: dir}: {Packets: 1, Bytes: uint64(len(frame))},
			}
			if !maps.Equal(r.metrics, want) {
				t.Errorf("counters moved %+v, want %+v", r.metrics, want)
			}
			expectEvents(t, r.events)
		}
		if ct := d.conntrack(); len(ct) != 0 {
			t.Errorf("conntrack entries for an unknown interface: %+v", ct)
		}
	})
}

// TestPrivilegedTestRunDevice pins down how BPF_PROG_TEST_RUN picks the
// skb's device on this kernel, which every other test relies on: the
// loopback by default, the context's ifindex when set, and ENODEV for a
// device that does not exist.
func TestPrivilegedTestRunDevice(t *testing.T) {
	d := newDatapath(t, endpointmap.EnforceEgress)
	frame := pkttest.Ethernet(pkttest.EtherTypeLLDP, make([]byte, 46)) // dropped only for a known endpoint

	code, err := d.objs.FromPod.Run(&ebpf.RunOptions{Data: frame})
	if err != nil || code != tcxDrop {
		t.Errorf("no context: code %#x, err %v; want the loopback's endpoint to drop", code, err)
	}
	code, err = d.objs.FromPod.Run(&ebpf.RunOptions{Data: frame, Context: &skbContext{Ifindex: d.ifindex}})
	if err != nil || code != tcxDrop {
		t.Errorf("context ifindex %d: code %#x, err %v; want the endpoint to drop", d.ifindex, code, err)
	}
	_, err = d.objs.FromPod.Run(&ebpf.RunOptions{Data: frame, Context: &skbContext{Ifindex: 1 << 30}})
	if !errors.Is(err, unix.ENODEV) {
		t.Errorf("context with a missing device: %v, want ENODEV", err)
	}
}
