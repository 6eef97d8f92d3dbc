package agent

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/zeta-net/zeta/agent/desired"
	"github.com/zeta-net/zeta/agent/flow"
	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/maps/endpointmap"
	"github.com/zeta-net/zeta/bpf/maps/eventmap"
	"github.com/zeta-net/zeta/bpf/pkttest"
	"github.com/zeta-net/zeta/policy"
)

type discardExporter struct{}

func (discardExporter) Name() string                                 { return "discard" }
func (discardExporter) Export(context.Context, []*flow.Record) error { return nil }

// benchRule is the rule the benchmarks' events name.
var benchRule = policy.RuleRef{Kind: "NetworkPolicy", Namespace: "shop", Name: "allow-web", Direction: policy.Ingress, Index: 0}

// benchPod is the address of pod i of benchAgent's snapshot.
func benchPod(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}) }

// benchAgent is an agent with nothing but a snapshot of 256 pods, for
// enrich.
func benchAgent() *Agent {
	a := &Agent{}
	snap := &desired.Snapshot{
		Node: "node-1", ByIP: map[netip.Addr]*desired.Workload{}, Endpoints: map[uint32]*desired.Workload{},
		Rules: map[policy.RuleID]policy.RuleRef{benchRule.ID(): benchRule},
	}
	for i := range 256 {
		w := &desired.Workload{
			Namespace: "shop", Name: "pod-" + string(rune('a'+i%26)), Labels: map[string]string{"app": "web", "tier": "front"},
			SPIFFEID: "spiffe://cluster.local/ns/shop/sa/web",
		}
		snap.ByIP[benchPod(i)] = w
		snap.Endpoints[uint32(i+1)] = w
	}
	a.snapshot.Store(snap)
	return a
}

// BenchmarkFlowPipeline measures what the flow reader does per event:
// decode a ring buffer record, enrich it from a snapshot of 256 pods,
// publish it, in batches of 64 as the reader finds them in the ring, to
// the history ring, an exporter's queue and a subscriber's queue, with the exporter and the subscriber draining on goroutines of
// their own. Run with -cpu 1 for events per second on one core, every
// goroutine included.
func BenchmarkFlowPipeline(b *testing.B) {
	a := benchAgent()
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
		_, src := bpf.RawAddr(benchPod(i))
		_, dst := bpf.RawAddr(benchPod(i + 64))
		ev := eventmap.Event{
			Timestamp: uint64(i) * 1000, SrcAddr: src, DstAddr: dst, SrcPortNet: bpf.Htons(uint16(40000 + i)), DstPortNet: bpf.Htons(80),
			Endpoint: uint32(i + 65), SrcIdentity: 300, DstIdentity: 301, Rule: uint32(benchRule.ID()), Ifindex: uint32(i + 65), Len: 60,
			Family: bpf.FamilyIPv4, Protocol: bpf.ProtoTCP, Direction: policy.Ingress, Verdict: policy.Allow, TCPFlags: 0x02,
		}
		raws[i] = unsafe.Slice((*byte)(unsafe.Pointer(&ev)), eventmap.EventSize)
		raws[i] = append([]byte(nil), raws[i]...)
	}
	boot := time.Now()
	evs := make([]eventmap.Event, 0, len(raws))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		evs = append(evs, eventmap.Event{})
		if err := eventmap.Decode(raws[i%len(raws)], &evs[len(evs)-1]); err != nil {
			b.Fatal(err)
		}
		if len(evs) == cap(evs) {
			p.ProcessBatch(evs, boot)
			evs = evs[:0]
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// countingExporter counts what its flow log wrote, so that the benchmark
// knows when the pipeline has caught up.
type countingExporter struct {
	*flow.JSONLines
	n atomic.Int64
}

func (c *countingExporter) Export(ctx context.Context, batch []*flow.Record) error {
	err := c.JSONLines.Export(ctx, batch)
	c.n.Add(int64(len(batch)))
	return err
}

// BenchmarkPrivilegedFlowEventCPU measures the agent's CPU time per flow
// event, end to end: the real datapath submits each event to its ring
// buffer, and the agent's pipeline reads, enriches and writes it to a
// flow log file as the running agent does. The events come from another
// process (this test binary, as TestFlowEventGenerator), which runs the
// programs on a denied SYN at a steady rate, as new connections come, or
// as fast as it can; so this process's CPU time is the agent's alone.
//
// agent-µs/event is this process's CPU time, user and system, per event;
// agent-csw/event its voluntary context switches per event, a count of
// wakeups; dropped/event the share of records the flow log's queue
// dropped because the log fell behind. ns/op is the pacing.
func BenchmarkPrivilegedFlowEventCPU(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root: loads the datapath")
	}
	for _, rate := range []int{1000, 5000, 0} {
		name := "rate=" + strconv.Itoa(rate) + "/s"
		if rate == 0 {
			name = "rate=max"
		}
		b.Run(name, func(b *testing.B) { benchFlowEventCPU(b, rate) })
	}
}

func benchFlowEventCPU(b *testing.B, rate int) {
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		b.Fatal(err)
	}
	objs, err := bpf.Load(bpf.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { objs.Close() })
	if err := eventmap.SetConfig(objs.Config, eventmap.Config{}); err != nil {
		b.Fatal(err)
	}
	// No policy entry: the SYN is denied, which leaves no conntrack entry,
	// so that every run emits an event.
	ep := endpointmap.Info{ID: 3, Identity: 300, Flags: endpointmap.EnforceIngress}
	if err := endpointmap.New(objs.Endpoints).Upsert(uint32(lo.Index), ep); err != nil {
		b.Fatal(err)
	}
	written := benchFlowLog(b, objs)
	fd, err := unix.Dup(objs.ToPod.FD())
	if err != nil {
		b.Fatal(err)
	}
	progFile := os.NewFile(uintptr(fd), "zeta_to_pod")
	defer progFile.Close()

	gen := exec.CommandContext(b.Context(), os.Args[0], "-test.run=^TestFlowEventGenerator$")
	gen.Env = append(os.Environ(), generatorEnv+"="+strconv.Itoa(b.N)+","+strconv.Itoa(rate))
	gen.ExtraFiles = []*os.File{progFile}
	gen.Stderr = os.Stderr
	b.ResetTimer()
	if err := gen.Start(); err != nil {
		b.Fatal(err)
	}
	before := rusage(b)
	if err := gen.Wait(); err != nil {
		b.Fatalf("generator: %v", err)
	}
	// As fast as the programs run, the reader can outrun the flow log,
	// whose queue then drops its oldest records: they count as handled.
	n := uint64(b.N)
	var dropped uint64
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		var exported uint64
		exported, dropped = written()
		if exported+dropped == n {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("the flow log has %d of %d records, its queue dropped %d", exported, n, dropped)
		}
	}
	b.StopTimer()
	after := rusage(b)
	if lost, err := eventmap.ReadCounter(objs.Counters, eventmap.EventsLost); err != nil || lost != 0 {
		b.Fatalf("lost %d events (%v)", lost, err)
	}
	b.ReportMetric(float64((after.cpu-before.cpu).Microseconds())/float64(n), "agent-µs/event")
	b.ReportMetric(float64(after.csw-before.csw)/float64(n), "agent-csw/event")
	b.ReportMetric(float64(dropped)/float64(n), "dropped/event")
}

// generatorEnv tells TestFlowEventGenerator how many events to generate
// and at which rate per second (0: as fast as it can), as "count,rate".
const generatorEnv = "ZETA_FLOW_EVENT_GENERATOR"

// TestFlowEventGenerator is not a test: BenchmarkPrivilegedFlowEventCPU
// runs this binary as its event generator, with the program to run as
// file descriptor 3.
func TestFlowEventGenerator(t *testing.T) {
	spec, ok := os.LookupEnv(generatorEnv)
	if !ok {
		return
	}
	var count, rate int
	if _, err := fmt.Sscanf(spec, "%d,%d", &count, &rate); err != nil {
		t.Fatalf("%s=%q: %v", generatorEnv, spec, err)
	}
	prog, err := ebpf.NewProgramFromFD(3)
	if err != nil {
		t.Fatal(err)
	}
	defer prog.Close()
	syn := pkttest.Frame(benchPod(1), benchPod(2), pkttest.ProtoTCP, pkttest.TCP{SrcPort: 40000, DstPort: 80, Flags: pkttest.SYN}.Marshal())
	start := time.Now()
	for i := range count {
		if rate > 0 {
			time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))))
		}
		if code, err := prog.Run(&ebpf.RunOptions{Data: syn}); err != nil || code != 2 {
			t.Fatalf("run: code %d, %v", code, err)
		}
	}
}

// benchFlowLog runs the agent's flow pipeline on the datapath's ring
// buffer, writing to a flow log file, until the benchmark ends. written
// counts the records in the file and those its queue dropped.
func benchFlowLog(b *testing.B, objs *bpf.Objects) (written func() (exported, dropped uint64)) {
	log := slog.New(slog.DiscardHandler)
	rd, err := eventmap.NewReader(objs.Events)
	if err != nil {
		b.Fatal(err)
	}
	flowLog, err := flow.OpenJSONLines(filepath.Join(b.TempDir(), FlowsFile))
	if err != nil {
		b.Fatal(err)
	}
	exp := &countingExporter{JSONLines: flowLog}
	hub := flow.NewHub(flow.DefaultConfig(), log)
	hub.AddExporter(exp)
	p := &flow.Pipeline{Reader: rd, Counters: objs.Counters, Node: "node-1", Enrich: benchAgent().enrich, Hub: hub, Log: log}
	ctx, cancel := context.WithCancel(b.Context())
	done := make(chan struct{}, 2)
	go func() { _ = p.Run(ctx); done <- struct{}{} }()
	go func() { _ = hub.Run(ctx, time.Second); done <- struct{}{} }()
	b.Cleanup(func() { cancel(); <-done; <-done })
	return func() (uint64, uint64) { return uint64(exp.n.Load()), hub.Stats().Consumers[0].Dropped }
}

// usage is CPU time and voluntary context switches from getrusage(2).
type usage struct {
	cpu time.Duration
	csw int64
}

func rusage(b *testing.B) usage {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return usage{cpu: time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), csw: ru.Nvcsw}
}
