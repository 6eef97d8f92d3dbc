package bpf_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/cilium/ebpf"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/maps/endpointmap"
	"github.com/zeta-net/zeta/bpf/maps/eventmap"
	"github.com/zeta-net/zeta/bpf/pkttest"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/secid"
)

// TestPrivilegedFlowReader reads a connection's events through
// eventmap.Reader, the agent's reader: one for the new connection, one for
// a drop, none for the handshake's reply or established packets.
func TestPrivilegedFlowReader(t *testing.T) {
	d := newDatapath(t, enforceBoth)
	d.entry(policy.Entry{Direction: policy.Egress, Identity: peerID, Protocol: pkttest.ProtoTCP, Port: 443, PortPrefix: 16,
		Verdict: policy.Allow, Rule: 61})
	rd, err := eventmap.NewReader(d.objs.Events)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rd.Close() })

	syn := tcp(pod4, peer4, 40000, 443, pkttest.SYN)
	denied := tcp(pod4, world4, 40001, 443, pkttest.SYN)
	est := syn
	est.tcpFlags = pkttest.ACK | pkttest.PSH
	codes := []uint32{
		d.run(policy.Egress, syn.frame()),
		d.run(policy.Ingress, syn.reply(pkttest.SYN|pkttest.ACK).frame()),
		d.run(policy.Egress, est.frame()),
		d.run(policy.Ingress, syn.reply(pkttest.ACK).frame()),
		d.run(policy.Egress, denied.frame()),
		d.run(policy.Egress, est.frame()),
	}
	if want := []uint32{tcxNext, tcxNext, tcxNext, tcxNext, tcxDrop, tcxNext}; !slices.Equal(codes, want) {
		t.Fatalf("return codes %#x, want %#x", codes, want)
	}

	got := make(chan eventmap.Event)
	go func() {
		for {
			var ev eventmap.Event
			if err := rd.Read(&ev); err != nil {
				if !errors.Is(err, eventmap.ErrClosed) {
					t.Errorf("read: %v", err)
				}
				close(got)
				return
			}
			got <- ev
		}
	}()
	var evs []eventmap.Event
	for len(evs) < 2 {
		select {
		case ev := <-got:
			evs = append(evs, ev)
		case <-time.After(5 * time.Second):
			t.Fatalf("read %d events, want 2", len(evs))
		}
	}
	expectEvents(t, evs,
		d.flowEvent(policy.Egress, syn, len(syn.frame()), judged{verdict: policy.Allow, peer: peerID, rule: 61}),
		d.flowEvent(policy.Egress, denied, len(denied.frame()), judged{verdict: policy.Deny, reason: bpf.ReasonPolicyDefault, peer: secid.World}))

	// Nothing else was submitted: closing the reader ends the stream.
	rd.Close()
	for ev := range got {
		t.Errorf("unexpected event %+v", ev)
	}
}

// TestPrivilegedFlowRateLimit checks the per-endpoint token bucket: with a
// burst of 3 and one event a second, 10 drops in a row give 3 events and 7
// rate-limited ones, while the packets are all still counted and dropped.
// Moving the bucket's clock back two seconds refills two tokens, and
// another endpoint has a bucket of its own.
func TestPrivilegedFlowRateLimit(t *testing.T) {
	d := newDatapath(t, endpointmap.EnforceEgress)
	if err := eventmap.SetConfig(d.objs.Config, eventmap.Config{EventsPerSec: 1, EventsBurst: 3}); err != nil {
		t.Fatal(err)
	}
	denied := tcp(pod4, peer4, 40000, 80, pkttest.SYN)
	flood := func(n int) (events int) {
		for range n {
			r := d.send(policy.Egress, denied.frame())
			if r.code != tcxDrop {
				t.Fatalf("return code %#x, want TCX_DROP", r.code)
			}
			expectCounted(t, r, metricsKey(policy.Egress, policy.Deny, bpf.ReasonPolicyDefault), len(denied.frame()))
			events += len(r.events)
		}
		return events
	}

	if n := flood(10); n != 3 {
		t.Errorf("%d events, want 3", n)
	}
	if n := d.counter(eventmap.EventsRateLimited); n != 7 {
		t.Errorf("rate limited %d events, want 7", n)
	}

	var s eventmap.RateState
	if err := d.objs.EventRate.Lookup(epID, &s); err != nil {
		t.Fatal(err)
	}
	s.Last -= uint64(2 * time.Second)
	if err := d.objs.EventRate.Update(epID, s, ebpf.UpdateExist); err != nil {
		t.Fatal(err)
	}
	if n := flood(3); n != 2 {
		t.Errorf("after two seconds: %d events, want 2", n)
	}

	if err := endpointmap.New(d.objs.Endpoints).Upsert(d.ifindex, endpointmap.Info{ID: epID + 1,
		Identity: uint32(podID), Flags: endpointmap.EnforceEgress}); err != nil {
		t.Fatal(err)
	}
	events := 0
	for range 4 {
		events += len(d.send(policy.Egress, denied.frame()).events)
	}
	if events != 3 {
		t.Errorf("another endpoint: %d events, want 3", events)
	}
	if n := d.counter(eventmap.EventsRateLimited); n != 7+1+1 {
		t.Errorf("rate limited %d events in all, want 9", n)
	}
	if n := d.counter(eventmap.EventsLost); n != 0 {
		t.Errorf("lost %d events", n)
	}
}

// TestPrivilegedFlowUnlimited checks that EventsPerSec 0 turns the limiter
// off.
func TestPrivilegedFlowUnlimited(t *testing.T) {
	d := newDatapath(t, endpointmap.EnforceEgress)
	if err := eventmap.SetConfig(d.objs.Config, eventmap.Config{EventsPerSec: 0, EventsBurst: 1}); err != nil {
		t.Fatal(err)
	}
	denied := tcp(pod4, peer4, 40000, 80, pkttest.SYN)
	for range 20 {
		d.run(policy.Egress, denied.frame())
	}
	if n := len(d.events()); n != 20 {
		t.Errorf("%d events, want 20", n)
	}
	if n := d.counter(eventmap.EventsRateLimited); n != 0 {
		t.Errorf("rate limited %d events", n)
	}
}

// TestPrivilegedFlowRingFull checks that events the ring buffer has no
// room for are counted as lost, and that it takes events again once read.
func TestPrivilegedFlowRingFull(t *testing.T) {
	opts := testOptions
	opts.EventsBytes = 4096
	d := newDatapathWith(t, endpointmap.EnforceEgress, opts)
	d.events() // open the reader before anything is submitted

	// A record is the event behind an 8-byte header, rounded up to 8 bytes.
	fits := 4096 / (8 + (eventmap.EventSize+7)/8*8)
	sent := 100
	denied := tcp(pod4, peer4, 40000, 80, pkttest.SYN)
	for range sent {
		if code := d.run(policy.Egress, denied.frame()); code != tcxDrop {
			t.Fatalf("return code %#x, want TCX_DROP", code)
		}
	}
	if n := d.counter(eventmap.EventsLost); n != uint64(sent-fits) {
		t.Errorf("lost %d events, want %d", n, sent-fits)
	}
	evs := d.events()
	if len(evs) != fits {
		t.Errorf("read %d events, want %d", len(evs), fits)
	}
	want := d.flowEvent(policy.Egress, denied, len(denied.frame()),
		judged{verdict: policy.Deny, reason: bpf.ReasonPolicyDefault, peer: peerID})
	for i := range evs {
		evs[i].Timestamp = 0
		if evs[i] != want {
			t.Fatalf("event %d: %+v, want %+v", i, evs[i], want)
		}
	}

	r := d.send(policy.Egress, denied.frame())
	if len(r.events) != 1 {
		t.Errorf("after reading: %d events, want 1", len(r.events))
	}
	if n := d.counter(eventmap.EventsLost); n != uint64(sent-fits) {
		t.Errorf("lost %d events after reading, want still %d", n, sent-fits)
	}
}
