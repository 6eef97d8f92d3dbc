package eventmap

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/cilium/ebpf"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/maps/endpointmap"
	"github.com/zeta-net/zeta/bpf/pkttest"
	"github.com/zeta-net/zeta/policy"
)

// emitter is a private datapath whose every run of submit emits one flow
// event: a SYN that the endpoint on the loopback device denies.
type emitter struct {
	t    *testing.T
	objs *bpf.Objects
	syn  []byte
}

func newEmitter(t *testing.T) *emitter {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: loads the datapath")
	}
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	objs, err := bpf.Load(bpf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { objs.Close() })
	if err := SetConfig(objs.Config, Config{}); err != nil {
		t.Fatal(err)
	}
	ep := endpointmap.Info{ID: 3, Identity: 300, Flags: endpointmap.EnforceIngress}
	if err := endpointmap.New(objs.Endpoints).Upsert(uint32(lo.Index), ep); err != nil {
		t.Fatal(err)
	}
	src, dst := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")
	syn := pkttest.Frame(src, dst, pkttest.ProtoTCP, pkttest.TCP{SrcPort: 40000, DstPort: 80, Flags: pkttest.SYN}.Marshal())
	return &emitter{t: t, objs: objs, syn: syn}
}

func (e *emitter) submit(n int) {
	e.t.Helper()
	for range n {
		if _, err := e.objs.ToPod.Run(&ebpf.RunOptions{Data: e.syn}); err != nil {
			e.t.Fatal(err)
		}
	}
}

func (e *emitter) reader(window time.Duration) *Reader {
	e.t.Helper()
	r, err := NewReader(e.objs.Events)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { r.Close() })
	r.window = window
	return r
}

// TestReadBatch: a batch is what the ring holds, cut at maxEvents; a
// batch that emptied the ring makes the next one let events gather first,
// and one that did not does not.
func TestReadBatch(t *testing.T) {
	e := newEmitter(t)
	const window = 200 * time.Millisecond
	r := e.reader(window)
	e.submit(10)

	var evs []Event
	var err error
	for _, want := range []int{4, 4, 2} {
		start := time.Now()
		if evs, err = r.ReadBatch(evs[:0], 4); err != nil {
			t.Fatal(err)
		}
		if len(evs) != want || evs[0].Verdict != policy.Deny {
			t.Fatalf("batch of %d events %+v, want %d denials", len(evs), evs, want)
		}
		if waited := time.Since(start); waited >= window {
			t.Errorf("a batch after one that did not empty the ring waited %v", waited)
		}
	}

	// The last batch emptied the ring: what comes now is read together,
	// after the first wait of a stream, an eighth of the window.
	start := time.Now()
	e.submit(3)
	if evs, err = r.ReadBatch(evs[:0], 4); err != nil || len(evs) != 3 {
		t.Fatalf("after the wait: %d events, %v; want 3", len(evs), err)
	}
	if waited := time.Since(start); waited < window/8 {
		t.Errorf("the batch after an empty ring waited %v, less than %v", waited, window/8)
	}
}

// TestReadBatchWakeup: a reader waiting on an empty ring is woken by the
// next event; one waiting out its window is unblocked by Close.
func TestReadBatchWakeup(t *testing.T) {
	e := newEmitter(t)
	r := e.reader(time.Hour)
	got := make(chan error, 1)
	go func() {
		evs, err := r.ReadBatch(nil, 4)
		if err == nil && len(evs) != 1 {
			err = errors.New("not one event")
		}
		got <- err
	}()
	time.Sleep(50 * time.Millisecond) // let it block; it must not matter
	e.submit(1)
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("an event did not wake the reader")
	}

	// The ring is empty: the next batch waits for events to gather.
	go func() {
		_, err := r.ReadBatch(nil, 4)
		got <- err
	}()
	time.Sleep(50 * time.Millisecond)
	r.Close()
	select {
	case err := <-got:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("read after close: %v, want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not unblock the reader")
	}
}

// TestGatherAdapts: after a quiet spell the wait starts at an eighth of
// the window and doubles up to the window while a batch holds what it
// gathers; after a wait that gathered more, the next gathers about one
// batch at the same rate.
func TestGatherAdapts(t *testing.T) {
	const window = 16 * time.Millisecond
	r := &Reader{window: window, closed: make(chan struct{})}
	for _, want := range []time.Duration{window / 8, window / 4, window / 2, window, window} {
		r.gathered = 10
		if err := r.gather(250); err != nil {
			t.Fatal(err)
		}
		if r.waited != want {
			t.Fatalf("waited %v, want %v", r.waited, want)
		}
	}
	r.gathered = 1000
	if err := r.gather(250); err != nil {
		t.Fatal(err)
	}
	if r.waited != window/4 {
		t.Errorf("waited %v after 1,000 events in %v, want %v for 250", r.waited, window, window/4)
	}
}
