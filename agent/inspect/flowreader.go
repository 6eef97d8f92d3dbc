package inspect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"time"

	"github.com/zeta-net/zeta/agent/flow"
)

// DefaultPoll is how often a following FlowReader looks for new records.
const DefaultPoll = 250 * time.Millisecond

// FlowReader reads the agent's flow log (JSON lines of flow.Record).
type FlowReader struct {
	Path   string
	Filter FlowFilter
	// Last keeps only the last Last matching records of what the log
	// already holds; 0 keeps them all.
	Last int
	// Follow keeps reading what the agent appends, like tail -f, until
	// the context is done.
	Follow bool
	// Poll is how often Follow looks for more; 0 is DefaultPoll.
	Poll time.Duration

	skipped int
}

// Skipped is how many lines were not flow records (a line cut short by a
// crash, say); Read skips them.
func (r *FlowReader) Skipped() int { return r.skipped }

// Read calls emit with each matching record in order. Following ends
// without error when ctx is done; an error from emit ends it too.
func (r *FlowReader) Read(ctx context.Context, emit func(*flow.Record) error) error {
	t, err := openTail(r.Path)
	if err != nil {
		return err
	}
	defer t.close()

	var backlog []*flow.Record
	for {
		rec, err := r.next(t)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if r.Last == 0 {
			if err := emit(rec); err != nil {
				return err
			}
			continue
		}
		if len(backlog) == r.Last {
			backlog = backlog[1:]
		}
		backlog = append(backlog, rec)
	}
	for _, rec := range backlog {
		if err := emit(rec); err != nil {
			return err
		}
	}
	if !r.Follow {
		return nil
	}
	return r.follow(ctx, t, emit)
}

func (r *FlowReader) follow(ctx context.Context, t *tail, emit func(*flow.Record) error) error {
	poll := r.Poll
	if poll == 0 {
		poll = DefaultPoll
	}
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for ctx.Err() == nil {
		rec, err := r.next(t)
		if errors.Is(err, io.EOF) {
			select {
			case <-ctx.Done():
				return nil
			case <-tick.C:
			}
			if err := t.reopenIfChanged(); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		if err := emit(rec); err != nil {
			return err
		}
	}
	return nil
}

// next returns the next matching record, or io.EOF.
func (r *FlowReader) next(t *tail) (*flow.Record, error) {
	for {
		line, err := t.next()
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var rec flow.Record
		if err := json.Unmarshal(line, &rec); err != nil {
			r.skipped++
			continue
		}
		if r.Filter.Match(&rec) {
			return &rec, nil
		}
	}
}
