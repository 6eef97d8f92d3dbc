package flow

import "time"

// Stats is a picture of the fan-out.
type Stats struct {
	// Published is how many records the hub received.
	Published uint64
	// Buffered and BufferSize are the ring's fill and capacity.
	Buffered, BufferSize int
	Consumers            []ConsumerStats
	// EndedDelivered and EndedDropped sum the counters of subscribers
	// that are gone.
	EndedDelivered, EndedDropped uint64
}

// ConsumerStats counts one exporter's or subscriber's records.
type ConsumerStats struct {
	Name string
	Kind string // KindExporter or KindSubscriber
	// Queued and QueueSize are the queue's fill and capacity.
	Queued, QueueSize int
	// Delivered is how many records entered the queue and were not
	// dropped; Dropped how many the full queue dropped, oldest first.
	Delivered, Dropped uint64
	// For exporters: batches handed to Export and how many failed, the
	// last failure and the last success.
	Batches, Failures uint64
	LastError         string
	LastErrorTime     time.Time
	LastExport        time.Time
}

// Stats reads every consumer's counters.
func (h *Hub) Stats() Stats {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := Stats{
		Published: h.published.Load(), Buffered: h.ring.len(), BufferSize: len(h.ring.buf),
		EndedDelivered: h.endedDelivered, EndedDropped: h.endedDropped,
	}
	byConsumer := map[*consumer]*exporter{}
	for _, x := range h.exporters {
		byConsumer[&x.consumer] = x
	}
	for _, c := range h.consumers {
		depth, capacity, pushed, dropped, _ := c.q.stats()
		cs := ConsumerStats{Name: c.name, Kind: c.kind, Queued: depth, QueueSize: capacity, Delivered: pushed - dropped, Dropped: dropped}
		if x := byConsumer[c]; x != nil {
			cs.Batches, cs.Failures = x.batches.Load(), x.failures.Load()
			if ok := x.lastOK.Load(); ok != 0 {
				cs.LastExport = time.Unix(0, ok)
			}
			x.mu.Lock()
			cs.LastError, cs.LastErrorTime = x.lastErr, x.lastErrTime
			x.mu.Unlock()
		}
		s.Consumers = append(s.Consumers, cs)
	}
	return s
}
