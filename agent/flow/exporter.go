package flow

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Exporter sends records somewhere: a file, a collector, a SIEM. The hub
// calls Export from one goroutine per exporter with batches of records in
// order, taken from the exporter's queue; while Export runs, the queue
// fills and, when full, drops its oldest records. An exporter that
// delivers over the network should buffer and return quickly, and Export
// must return once ctx is done: the agent waits for it when it stops.
//
// The records are shared with other consumers and must not be changed or
// kept after Export returns. An error counts as a failed batch; the hub
// does not retry it.
//
// An exporter that also has a method Close(context.Context) error is
// closed by the hub when its Run ends, after a last Export of what was
// queued.
type Exporter interface {
	// Name identifies the exporter in status, logs and metrics.
	Name() string
	Export(ctx context.Context, batch []*Record) error
}

// closer is an exporter the hub closes.
type closer interface {
	Close(ctx context.Context) error
}

// exporter drives one Exporter.
type exporter struct {
	consumer
	e Exporter

	batches, failures atomic.Uint64
	lastOK            atomic.Int64 // unix nanoseconds
	mu                sync.Mutex
	lastErr           string
	lastErrTime       time.Time
}

// run exports until ctx is done, then drains and closes.
func (x *exporter) run(ctx context.Context, batchSize int, drain time.Duration, log *slog.Logger) {
	batch := make([]*Record, 0, batchSize)
	for x.q.wait(ctx) == nil {
		for ctx.Err() == nil {
			batch = x.q.take(batch[:0], batchSize)
			if len(batch) == 0 {
				break
			}
			x.export(ctx, batch, log)
		}
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), drain)
	defer cancel()
	for dctx.Err() == nil {
		batch = x.q.take(batch[:0], batchSize)
		if len(batch) == 0 {
			break
		}
		x.export(dctx, batch, log)
	}
	x.q.close()
	if c, ok := x.e.(closer); ok {
		if err := c.Close(dctx); err != nil {
			log.Warn("close flow exporter", "exporter", x.name, "error", err)
		}
	}
}

func (x *exporter) export(ctx context.Context, batch []*Record, log *slog.Logger) {
	x.batches.Add(1)
	err := x.e.Export(ctx, batch)
	clear(batch) // let the records go
	if err == nil {
		x.lastOK.Store(time.Now().UnixNano())
		return
	}
	x.failures.Add(1)
	x.mu.Lock()
	first := x.lastErr != err.Error()
	x.lastErr, x.lastErrTime = err.Error(), time.Now()
	x.mu.Unlock()
	if first {
		log.Warn("flow export failed", "exporter", x.name, "records", len(batch), "error", err)
	}
}
