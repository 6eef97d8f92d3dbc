package flow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/cilium/ebpf"

	"github.com/zeta-net/zeta/bpf/maps/eventmap"
	"github.com/zeta-net/zeta/policy"
)

// Pipeline reads events, turns them into records and publishes them to
// its hub.
type Pipeline struct {
	Reader *eventmap.Reader
	// Counters is zeta_counters, the kernel's count of events it could
	// not deliver; nil when unknown.
	Counters *ebpf.Map
	Node     string
	// Enrich adds what the agent knows of both ends.
	Enrich func(r *Record, ev *eventmap.Event)
	Hub    *Hub
	Log    *slog.Logger

	bad    atomic.Uint64
	counts [256][2]atomic.Uint64 // by verdict and direction
	addrs  addrs                 // owned by the reader
}

// readBatch is the most events the reader turns into records and
// publishes at once.
const readBatch = 256

// Run reads until ctx is done, then closes the reader. It publishes what
// it reads in batches: the events the ring holds when the reader looks.
func (p *Pipeline) Run(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { _ = p.Reader.Close() })
	defer stop()
	boot := bootTime()
	evs := make([]eventmap.Event, 0, readBatch)
	for {
		var err error
		evs, err = p.Reader.ReadBatch(evs[:0], readBatch)
		if len(evs) > 0 {
			p.ProcessBatch(evs, boot)
		}
		if errors.Is(err, eventmap.ErrClosed) {
			return nil
		}
		if err != nil {
			p.bad.Add(1)
			p.Log.Warn("bad flow event", "error", err)
		}
	}
}

// Process turns one event into a record and publishes it; boot is the
// wall time of the monotonic clock's zero (see Run). Only the reader
// calls it.
func (p *Pipeline) Process(ev *eventmap.Event, boot time.Time) {
	p.ProcessBatch([]eventmap.Event{*ev}, boot)
}

// ProcessBatch turns events into records and publishes them together, as
// Process does. Only the reader calls it.
func (p *Pipeline) ProcessBatch(evs []eventmap.Event, boot time.Time) {
	// One allocation for the batch's records, which live and die
	// together: consumers release them in publication order.
	recs := make([]Record, len(evs))
	batch := make([]*Record, len(evs))
	for i := range evs {
		ev, r := &evs[i], &recs[i]
		*r = decode(ev, boot, p.addrs.text)
		r.Node = p.Node
		if p.Enrich != nil {
			p.Enrich(r, ev)
		}
		p.counts[ev.Verdict][ev.Direction&1].Add(1)
		batch[i] = r
	}
	p.Hub.PublishBatch(batch)
}

// Count is the number of records of one verdict and direction.
type Count struct {
	Verdict   string
	Direction string
	Records   uint64
}

// Counts returns the records produced by verdict and direction, leaving
// out those with none.
func (p *Pipeline) Counts() []Count {
	var out []Count
	for v := range p.counts {
		for d := range p.counts[v] {
			if n := p.counts[v][d].Load(); n > 0 {
				out = append(out, Count{Verdict: VerdictName(policy.Verdict(v)), Direction: policy.Direction(d).String(), Records: n})
			}
		}
	}
	return out
}

// Records is how many records the pipeline produced.
func (p *Pipeline) Records() uint64 { return p.Hub.Published() }

// BadEvents is how many ring buffer records could not be decoded.
func (p *Pipeline) BadEvents() uint64 { return p.bad.Load() }

// KernelCounters are the events the datapath could not hand over.
type KernelCounters struct {
	// Lost events found the ring buffer full.
	Lost uint64
	// RateLimited events were refused by their endpoint's token bucket.
	RateLimited uint64
}

// KernelCounters reads the datapath's counters of undelivered events.
func (p *Pipeline) KernelCounters() (KernelCounters, error) {
	if p.Counters == nil {
		return KernelCounters{}, errors.New("read flow event counters: no counters map")
	}
	lost, err := eventmap.ReadCounter(p.Counters, eventmap.EventsLost)
	if err != nil {
		return KernelCounters{}, fmt.Errorf("read lost flow events: %w", err)
	}
	limited, err := eventmap.ReadCounter(p.Counters, eventmap.EventsRateLimited)
	if err != nil {
		return KernelCounters{}, fmt.Errorf("read rate-limited flow events: %w", err)
	}
	return KernelCounters{Lost: lost, RateLimited: limited}, nil
}

// bootTime is the wall time at which CLOCK_MONOTONIC was zero, for turning
// bpf_ktime_get_ns() stamps into wall time.
func bootTime() time.Time {
	return time.Now().Add(-time.Duration(monotonicNow()))
}
