package eventmap

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/ringbuf"
)

// DefaultWindow is the longest a Reader lets events gather after it has
// emptied the ring: the longest an event waits in the ring.
const DefaultWindow = 50 * time.Millisecond

// Reader reads flow events from the ring buffer.
//
// The kernel wakes a waiting reader only for a record that finds the ring
// empty (lib/flow.h). ReadBatch reads in batches and, after a batch that
// emptied the ring, lets events gather for a window before it reads again:
// the records submitted meanwhile wake nobody, so a steady stream of new
// connections costs the agent a wakeup per window rather than one each,
// and an idle ring costs nothing.
//
// Close unblocks a read with ErrClosed.
type Reader struct {
	rd     *ringbuf.Reader
	rec    ringbuf.Record
	window time.Duration

	drained  bool          // the last batch emptied the ring
	gathered int           // events read since the last wait
	waited   time.Duration // how long the last wait was; 0 after a quiet spell

	closed    chan struct{}
	closeOnce sync.Once
}

// ErrClosed is returned by reads after Close.
var ErrClosed = ringbuf.ErrClosed

// NewReader opens the ring buffer for reading, with DefaultWindow.
func NewReader(events *ebpf.Map) (*Reader, error) {
	rd, err := ringbuf.NewReader(events)
	if err != nil {
		return nil, fmt.Errorf("open flow ring buffer: %w", err)
	}
	return &Reader{rd: rd, window: DefaultWindow, closed: make(chan struct{})}, nil
}

// Read blocks for the next event and decodes it into ev.
func (r *Reader) Read(ev *Event) error {
	if err := r.next(); err != nil {
		return err
	}
	return Decode(r.rec.RawSample, ev)
}

// ReadBatch blocks for events and appends up to maxEvents of them to dst:
// what the ring holds, without waiting for more. If the previous batch
// emptied the ring, it first lets events gather (see gather). A record
// that does not decode ends the batch with an error, after the events
// before it.
func (r *Reader) ReadBatch(dst []Event, maxEvents int) ([]Event, error) {
	if r.drained {
		if err := r.gather(maxEvents); err != nil {
			return dst, err
		}
	}
	if r.rd.AvailableBytes() == 0 {
		// Nothing came: the event that ends the wait starts a new stream.
		r.waited = 0
	}
	r.drained = false
	for n := range maxEvents {
		if n > 0 && r.rd.AvailableBytes() == 0 {
			r.drained = true
			break
		}
		if err := r.next(); err != nil {
			return dst, err
		}
		r.gathered++
		dst = append(dst, Event{})
		if err := Decode(r.rec.RawSample, &dst[len(dst)-1]); err != nil {
			return dst[:len(dst)-1], err
		}
	}
	return dst, nil
}

// gather waits for events to gather. The wait starts at an eighth of the
// window after a quiet spell and doubles, up to the window, while the
// events it gathers fit a batch; when they did not, it shrinks to what
// gathers about one batch at the rate seen. A burst then reaches the
// consumers in batches their queues can take rather than all at once.
func (r *Reader) gather(maxEvents int) error {
	var d time.Duration
	switch {
	case r.waited == 0:
		d = r.window / 8
	case r.gathered > maxEvents:
		d = r.waited * time.Duration(maxEvents) / time.Duration(r.gathered)
	default:
		d = min(2*r.waited, r.window)
	}
	r.gathered, r.waited = 0, max(d, 1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-r.closed:
		return ErrClosed
	}
}

// next reads the next record into r.rec, blocking until there is one.
func (r *Reader) next() error {
	err := r.rd.ReadInto(&r.rec)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ringbuf.ErrClosed):
		return ErrClosed
	default:
		return fmt.Errorf("read flow ring buffer: %w", err)
	}
}

// Close unblocks a read and releases the ring buffer.
func (r *Reader) Close() error {
	r.closeOnce.Do(func() { close(r.closed) })
	return r.rd.Close()
}
