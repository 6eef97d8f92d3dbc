package flow

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/zeta-net/zeta/bpf/maps/eventmap"
)

// Sink receives records in order. Flush is called when the ring buffer
// is drained, so a sink can batch its writes.
type Sink interface {
	Write(r *Record) error
	Flush() error
}

// Pipeline reads events and feeds records to its sinks.
type Pipeline struct {
	Reader *eventmap.Reader
	Node   string
	// Enrich adds what the agent knows of both ends.
	Enrich func(r *Record, ev *eventmap.Event)
	Sinks  []Sink
	Log    *slog.Logger

	records    atomic.Uint64
	sinkErrors atomic.Uint64
}

// Records is how many records the pipeline produced.
func (p *Pipeline) Records() uint64 { return p.records.Load() }

// SinkErrors is how many sink writes failed.
func (p *Pipeline) SinkErrors() uint64 { return p.sinkErrors.Load() }

// Run reads until ctx is done, then closes the reader.
func (p *Pipeline) Run(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { _ = p.Reader.Close() })
	defer stop()
	boot := bootTime()
	var ev eventmap.Event
	for {
		err := p.Reader.Read(&ev)
		if errors.Is(err, eventmap.ErrClosed) {
			return nil
		}
		if err != nil {
			p.Log.Warn("bad flow event", "error", err)
			continue
		}
		r := Decode(&ev, boot)
		r.Node = p.Node
		p.Enrich(&r, &ev)
		p.records.Add(1)
		for _, s := range p.Sinks {
			if err := s.Write(&r); err != nil {
				p.sinkErrors.Add(1)
				p.Log.Warn("flow sink write failed", "error", err)
			}
		}
		if !p.Reader.Pending() {
			p.flush()
		}
	}
}

func (p *Pipeline) flush() {
	for _, s := range p.Sinks {
		if err := s.Flush(); err != nil {
			p.sinkErrors.Add(1)
			p.Log.Warn("flow sink flush failed", "error", err)
		}
	}
}

// bootTime is the wall time at which CLOCK_MONOTONIC was zero, for turning
// bpf_ktime_get_ns() stamps into wall time.
func bootTime() time.Time {
	return time.Now().Add(-time.Duration(monotonicNow()))
}
