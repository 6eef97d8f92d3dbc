package agent

import (
	"context"
	"log/slog"
	"net/netip"
	"testing"
	"time"
	"unsafe"

	"github.com/zeta-net/zeta/agent/desired"
	"github.com/zeta-net/zeta/agent/flow"
	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/maps/eventmap"
	"github.com/zeta-net/zeta/policy"
)

type discardExporter struct{}

func (discardExporter) Name() string                                 { return "discard" }
func (discardExporter) Export(context.Context, []*flow.Record) error { return nil }

// BenchmarkFlowPipeline measures what the flow reader does per event:
// decode a ring buffer record, enrich it from a snapshot of 256 pods,
// publish it to the history ring, an exporter's queue and a subscriber's
// queue, with the exporter and the subscriber draining on goroutines of
// their own. Run with -cpu 1 for events per second on one core, every
// goroutine included.
func BenchmarkFlowPipeline(b *testing.B) {
	a := &Agent{}
	snap := &desired.Snapshot{
		Node: "node-1", ByIP: map[netip.Addr]*desired.Workload{}, Endpoints: map[uint32]*desired.Workload{},
		Rules: map[policy.RuleID]policy.RuleRef{},
	}
	for i := range 256 {
		w := &desired.Workload{
			Namespace: "shop", Name: "pod-" + string(rune('a'+i%26)), Labels: map[string]string{"app": "web", "tier": "front"},
			SPIFFEID: "spiffe://cluster.local/ns/shop/sa/web",
		}
		snap.ByIP[netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})] = w
		snap.Endpoints[uint32(i+1)] = w
	}
	ref := policy.RuleRef{Kind: "NetworkPolicy", Namespace: "shop", Name: "allow-web", Direction: policy.Ingress, Index: 0}
	snap.Rules[ref.ID()] = ref
	a.snapshot.Store(snap)

	log := slog.New(slog.DiscardHandler)
	hub := flow.NewHub(flow.DefaultConfig(), log)
	hub.AddExporter(discardExporter{})
	p := &flow.Pipeline{Node: "node-1", Enrich: a.enrich, Hub: hub, Log: log}
	ctx, cancel := context.WithCancel(b.Context())
	defer cancel()
	go func() { _ = hub.Run(ctx, time.Second) }()
	sub, _ := hub.Subscribe("bench", flow.Filter{}, 0)
	defer sub.Close()
	go func() {
		var batch []*flow.Record
		for {
			var err error
			if batch, err = sub.Next(ctx, batch[:0], 256); err != nil {
				return
			}
		}
	}()

	raws := make([][]byte, 64)
	for i := range raws {
		_, src := bpf.RawAddr(netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}))
		_, dst := bpf.RawAddr(netip.AddrFrom4([4]byte{10, 0, 0, byte(i + 64)}))
		ev := eventmap.Event{
			Timestamp: uint64(i) * 1000, SrcAddr: src, DstAddr: dst, SrcPortNet: bpf.Htons(uint16(40000 + i)), DstPortNet: bpf.Htons(80),
			Endpoint: uint32(i + 65), SrcIdentity: 300, DstIdentity: 301, Rule: uint32(ref.ID()), Ifindex: uint32(i + 65), Len: 60,
			Family: bpf.FamilyIPv4, Protocol: bpf.ProtoTCP, Direction: policy.Ingress, Verdict: policy.Allow, TCPFlags: 0x02,
		}
		raws[i] = unsafe.Slice((*byte)(unsafe.Pointer(&ev)), eventmap.EventSize)
		raws[i] = append([]byte(nil), raws[i]...)
	}
	boot := time.Now()
	var ev eventmap.Event
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if err := eventmap.Decode(raws[i%len(raws)], &ev); err != nil {
			b.Fatal(err)
		}
		p.Process(&ev, boot)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
