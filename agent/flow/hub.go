package flow

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Hub fans records out from the reader to the consumers: the exporters
// registered before Run and the subscribers that come and go. It keeps
// the latest records in a ring for subscribers that ask for history.
//
// Publish never waits for a consumer: each has a bounded queue that drops
// its oldest record when full (see queue).
type Hub struct {
	cfg Config
	log *slog.Logger

	mu        sync.Mutex
	ring      ring
	consumers []*consumer // exporters first, then subscribers
	exporters []*exporter
	nextID    uint64
	// endedDropped and endedDelivered sum the counters of subscribers
	// that have gone, so that totals never go down.
	endedDropped, endedDelivered uint64

	published atomic.Uint64
}

// consumer is one exporter's or subscriber's end of the fan-out.
type consumer struct {
	name   string
	kind   string // KindExporter or KindSubscriber
	filter Filter // only for subscribers
	q      *queue
}

// Kinds of consumers.
const (
	KindExporter   = "exporter"
	KindSubscriber = "subscriber"
)

// NewHub returns a hub sized by cfg, which must be valid.
func NewHub(cfg Config, log *slog.Logger) *Hub {
	return &Hub{cfg: cfg, log: log, ring: newRing(cfg.Buffer)}
}

// AddExporter registers an exporter; call it before Run. From then on the
// hub owns the exporter: Run drives it and closes it when it returns.
func (h *Hub) AddExporter(e Exporter) {
	x := &exporter{consumer: consumer{name: e.Name(), kind: KindExporter, q: newQueue(h.cfg.Queue)}, e: e}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.exporters = append(h.exporters, x)
	h.consumers = append(h.consumers, &x.consumer)
}

// Publish hands r to the ring and to every consumer whose filter selects
// it. r must not change afterwards.
func (h *Hub) Publish(r *Record) { h.PublishBatch([]*Record{r}) }

// PublishBatch publishes the records of batch in order, as Publish does,
// waking each consumer once for all of them. The records must not change
// afterwards; batch itself is not kept.
func (h *Hub) PublishBatch(batch []*Record) {
	h.published.Add(uint64(len(batch)))
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range batch {
		h.ring.add(r)
	}
	for _, c := range h.consumers {
		if c.kind == KindExporter {
			c.q.push(batch, nil)
		} else {
			c.q.push(batch, &c.filter)
		}
	}
}

// Published is how many records the hub received.
func (h *Hub) Published() uint64 { return h.published.Load() }

// Recent returns up to last of the newest buffered records that f
// selects, oldest first; last < 0 returns all of them.
func (h *Hub) Recent(f Filter, last int) []*Record {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ring.last(&f, last)
}

// Subscribe registers a subscriber for the records that f selects from
// now on, and returns with it the backlog: up to last of the newest
// buffered records that f selects (all of them if last < 0, none if last
// is 0). Backlog and subscription meet without a gap or a duplicate.
// name shows in stats and metrics, suffixed with a number.
func (h *Hub) Subscribe(name string, f Filter, last int) (*Subscription, []*Record) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.nextID++
	c := &consumer{name: name + "-" + strconv.FormatUint(h.nextID, 10), kind: KindSubscriber, filter: f, q: newQueue(h.cfg.Queue)}
	h.consumers = append(h.consumers, c)
	var backlog []*Record
	if last != 0 {
		backlog = h.ring.last(&f, last)
	}
	return &Subscription{h: h, c: c}, backlog
}

// unsubscribe removes c and keeps its counters in the totals.
func (h *Hub) unsubscribe(c *consumer) {
	c.q.close()
	h.mu.Lock()
	defer h.mu.Unlock()
	i := slices.Index(h.consumers, c)
	if i < 0 {
		return
	}
	h.consumers = slices.Delete(h.consumers, i, i+1)
	_, _, pushed, dropped, _ := c.q.stats()
	h.endedDropped += dropped
	h.endedDelivered += pushed - dropped
}

// Run drives the exporters until ctx is done. Then each exporter gets
// what its queue still holds, within drain, and is closed if it has a
// Close method.
func (h *Hub) Run(ctx context.Context, drain time.Duration) error {
	h.mu.Lock()
	exporters := slices.Clone(h.exporters)
	h.mu.Unlock()
	var wg sync.WaitGroup
	for _, x := range exporters {
		wg.Go(func() { x.run(ctx, h.cfg.Batch, drain, h.log) })
	}
	wg.Wait()
	return nil
}
