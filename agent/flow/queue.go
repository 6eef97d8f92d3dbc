package flow

import (
	"context"
	"sync"
)

// queue is a bounded FIFO between the reader and one consumer. Push never
// waits: when the queue is full it drops the oldest record and counts it,
// so a slow consumer loses its oldest records instead of holding up the
// reader and every other consumer.
type queue struct {
	mu      sync.Mutex
	buf     []*Record // a ring of fixed capacity
	head, n int
	pushed  uint64
	dropped uint64
	closed  bool
	// ready holds a token while records wait; take consumes it.
	ready chan struct{}
}

func newQueue(capacity int) *queue {
	return &queue{buf: make([]*Record, capacity), ready: make(chan struct{}, 1)}
}

// push appends the records of batch that f selects (all of them if f is
// nil), dropping the oldest records if the queue is full, and wakes the
// consumer once. It reports whether the queue is still open.
func (q *queue) push(batch []*Record, f *Filter) bool {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return false
	}
	added := false
	for _, r := range batch {
		if f != nil && !f.Match(r) {
			continue
		}
		if q.n == len(q.buf) {
			q.buf[q.head] = nil
			q.head = (q.head + 1) % len(q.buf)
			q.n--
			q.dropped++
		}
		q.buf[(q.head+q.n)%len(q.buf)] = r
		q.n++
		q.pushed++
		added = true
	}
	q.mu.Unlock()
	if added {
		select {
		case q.ready <- struct{}{}:
		default:
		}
	}
	return true
}

// take moves up to max waiting records to dst and returns it; it does
// not wait.
func (q *queue) take(dst []*Record, maxRecords int) []*Record {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.n > 0 && maxRecords > 0 {
		dst = append(dst, q.buf[q.head])
		q.buf[q.head] = nil
		q.head = (q.head + 1) % len(q.buf)
		q.n--
		maxRecords--
	}
	if q.n > 0 {
		// Records remain: leave a token for the next wait.
		select {
		case q.ready <- struct{}{}:
		default:
		}
	}
	return dst
}

// wait blocks until records may be waiting or the queue was closed, or
// until ctx is done.
func (q *queue) wait(ctx context.Context) error {
	select {
	case <-q.ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close makes push refuse records and wakes a waiting consumer.
func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

func (q *queue) isClosed() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.closed
}

// stats reads the queue's counters.
func (q *queue) stats() (depth, capacity int, pushed, dropped uint64, closed bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n, len(q.buf), q.pushed, q.dropped, q.closed
}
