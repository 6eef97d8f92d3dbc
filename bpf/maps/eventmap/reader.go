package eventmap

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/ringbuf"
)

// Reader reads flow events from the ring buffer. Read blocks; Close
// unblocks it with ErrClosed.
type Reader struct {
	rd  *ringbuf.Reader
	rec ringbuf.Record
}

// ErrClosed is returned by Read after Close.
var ErrClosed = ringbuf.ErrClosed

// NewReader opens the ring buffer for reading.
func NewReader(events *ebpf.Map) (*Reader, error) {
	rd, err := ringbuf.NewReader(events)
	if err != nil {
		return nil, fmt.Errorf("open flow ring buffer: %w", err)
	}
	return &Reader{rd: rd}, nil
}

// Read blocks for the next event and decodes it into ev.
func (r *Reader) Read(ev *Event) error {
	if err := r.rd.ReadInto(&r.rec); err != nil {
		if errors.Is(err, ringbuf.ErrClosed) {
			return ErrClosed
		}
		return fmt.Errorf("read flow ring buffer: %w", err)
	}
	return Decode(r.rec.RawSample, ev)
}

// Close unblocks Read and releases the ring buffer.
func (r *Reader) Close() error { return r.rd.Close() }

// Pending reports whether more events are waiting, so a consumer can
// batch its writes and flush when the ring is drained.
func (r *Reader) Pending() bool { return r.rd.AvailableBytes() > 0 }
