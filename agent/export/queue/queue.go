package queue

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zeta-net/zeta/agent/export"
	"github.com/zeta-net/zeta/agent/export/retry"
)

// SendFunc makes one delivery attempt. It returns nil when the destination
// took the whole batch; an error marked with retry.Permanent drops the
// batch, any other error retries it. ctx ends when the queue is closed.
type SendFunc[T any] func(ctx context.Context, batch []T) error

// Options are a queue's collaborators; the zero value works.
type Options struct {
	// Log receives state changes (failing, recovered, dropped batches).
	Log *slog.Logger
	// Sleep waits d or until ctx ends; tests inject a fake clock here.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock for the retry budget.
	Now func() time.Time
	// Rand returns a uniform value in [0, 1) for jitter.
	Rand func() float64
}

// Queue buffers items for one destination and delivers them in order.
type Queue[T any] struct {
	cfg  Config
	send SendFunc[T]
	opt  Options

	ctx    context.Context // ends at Close: aborts attempts and waits
	cancel context.CancelFunc
	wake   chan struct{}
	done   chan struct{}

	mu       sync.Mutex
	items    ring[T]
	inflight int
	closed   bool
	idle     chan struct{} // closed when the queue becomes empty; nil when nobody waits
	failing  bool

	exported, retried, dropped atomic.Uint64
}

// New starts the queue's delivery goroutine; Close stops it.
func New[T any](cfg Config, send SendFunc[T], opt Options) *Queue[T] {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Sleep == nil {
		opt.Sleep = sleep
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Rand == nil {
		opt.Rand = rand.Float64
	}
	ctx, cancel := context.WithCancel(context.Background()) //nolint:gosec // Close calls cancel
	q := &Queue[T]{
		cfg: cfg, send: send, opt: opt, ctx: ctx, cancel: cancel,
		wake: make(chan struct{}, 1), done: make(chan struct{}),
		items: ring[T]{limit: cfg.Size},
	}
	go q.run()
	return q
}

// Push appends items without blocking; when the buffer is full the oldest
// waiting items are dropped and counted. After Close it drops them all and
// returns export.ErrClosed.
func (q *Queue[T]) Push(items ...T) error {
	q.mu.Lock()
	if q.closed {
		q.dropped.Add(uint64(len(items)))
		q.mu.Unlock()
		return export.ErrClosed
	}
	for _, it := range items {
		if q.items.push(it) {
			q.dropped.Add(1)
		}
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return nil
}

// Flush waits until every item pushed so far is delivered or dropped, or
// ctx ends.
func (q *Queue[T]) Flush(ctx context.Context) error {
	q.mu.Lock()
	if q.items.n == 0 && q.inflight == 0 {
		q.mu.Unlock()
		return nil
	}
	if q.idle == nil {
		q.idle = make(chan struct{})
	}
	idle := q.idle
	q.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("flush: %w", ctx.Err())
	}
}

// Close refuses new items, keeps delivering until the queue is empty or
// ctx ends, then drops what is left and stops the goroutine.
func (q *Queue[T]) Close(ctx context.Context) error {
	q.mu.Lock()
	already := q.closed
	q.closed = true
	q.mu.Unlock()
	if already {
		<-q.done
		return nil
	}
	before := q.dropped.Load()
	err := q.Flush(ctx)
	q.cancel()
	<-q.done
	q.mu.Lock()
	q.dropped.Add(uint64(q.items.clear()))
	q.settleLocked()
	q.mu.Unlock()
	if err != nil {
		return fmt.Errorf("close: %d records undelivered: %w", q.dropped.Load()-before, err)
	}
	return nil
}

// Stats reports the counters; Exported + Dropped + QueueDepth is the
// number of items pushed.
func (q *Queue[T]) Stats() export.Stats {
	q.mu.Lock()
	defer q.mu.Unlock()
	return export.Stats{
		Exported:   q.exported.Load(),
		Retried:    q.retried.Load(),
		Dropped:    q.dropped.Load(),
		QueueDepth: q.items.n + q.inflight,
	}
}

func (q *Queue[T]) run() {
	defer close(q.done)
	for {
		q.mu.Lock()
		batch := q.items.pop(q.cfg.MaxBatch)
		q.inflight = len(batch)
		q.mu.Unlock()
		if batch == nil {
			select {
			case <-q.wake:
				continue
			case <-q.ctx.Done():
				return
			}
		}
		q.deliver(batch)
	}
}

// deliver attempts batch until it is delivered or given up.
func (q *Queue[T]) deliver(batch []T) {
	start := q.opt.Now()
	n := uint64(len(batch))
	for attempt := 0; ; attempt++ {
		err := q.send(q.ctx, batch)
		switch {
		case err == nil:
			q.settle(n, 0)
			return
		case q.ctx.Err() != nil:
			q.settle(0, n)
			return
		case retry.IsPermanent(err):
			q.opt.Log.Warn("export dropped a batch the destination rejected", "records", n, "error", err)
			q.settle(0, n)
			return
		}
		d := q.cfg.Retry.Delay(attempt, q.opt.Rand())
		if limit := q.cfg.Retry.MaxElapsed; limit > 0 && q.opt.Now().Sub(start)+d > limit {
			q.opt.Log.Warn("export gave up on a batch", "records", n, "after", q.opt.Now().Sub(start), "error", err)
			q.settle(0, n)
			return
		}
		q.retried.Add(1)
		q.noteFailure(err, d)
		if q.opt.Sleep(q.ctx, d) != nil {
			q.settle(0, n)
			return
		}
	}
}

// noteFailure logs the first failure of a run of failures.
func (q *Queue[T]) noteFailure(err error, retryIn time.Duration) {
	q.mu.Lock()
	first := !q.failing
	q.failing = true
	q.mu.Unlock()
	if first {
		q.opt.Log.Warn("export failing; buffering and retrying", "error", err, "retry_in", retryIn)
	}
}

// settle ends the batch in flight, counting it as exported or dropped
// together with the change of depth; a delivery ends a run of failures.
func (q *Queue[T]) settle(exported, dropped uint64) {
	q.mu.Lock()
	q.exported.Add(exported)
	q.dropped.Add(dropped)
	recovered := exported > 0 && q.failing
	if exported > 0 {
		q.failing = false
	}
	q.settleLocked()
	q.mu.Unlock()
	if recovered {
		q.opt.Log.Info("export recovered", "retried", q.retried.Load(), "dropped", q.dropped.Load())
	}
}

func (q *Queue[T]) settleLocked() {
	q.inflight = 0
	if q.items.n == 0 && q.idle != nil {
		close(q.idle)
		q.idle = nil
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
