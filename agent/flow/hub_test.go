package flow

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
)

func testHub(buffer, queue int) *Hub {
	return NewHub(Config{Buffer: buffer, Queue: queue, Batch: 8}, slog.New(slog.DiscardHandler))
}

// rec returns a record numbered n in its source port.
func rec(n int) *Record {
	return &Record{Verdict: VerdictAllowed, Protocol: "TCP", Source: Peer{Port: uint16(n)}}
}

func ports(rs []*Record) []int {
	out := make([]int, len(rs))
	for i, r := range rs {
		out[i] = int(r.Source.Port)
	}
	return out
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func seq(from, to int) []int {
	var out []int
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

func TestQueueDropsOldest(t *testing.T) {
	q := newQueue(3)
	for i := 1; i <= 5; i++ {
		q.push([]*Record{rec(i)}, nil)
	}
	depth, capacity, pushed, dropped, _ := q.stats()
	if depth != 3 || capacity != 3 || pushed != 5 || dropped != 2 {
		t.Fatalf("stats: depth %d capacity %d pushed %d dropped %d", depth, capacity, pushed, dropped)
	}
	if got := ports(q.take(nil, 2)); !equalInts(got, []int{3, 4}) {
		t.Errorf("take 2 = %v, want [3 4]", got)
	}
	// A token was left for the record that remains.
	if err := q.wait(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := ports(q.take(nil, 10)); !equalInts(got, []int{5}) {
		t.Errorf("take = %v, want [5]", got)
	}
	q.close()
	if q.push([]*Record{rec(6)}, nil) {
		t.Error("push after close succeeded")
	}
}

// TestQueuePushBatch: a batch queues the records its filter selects, in
// order, and leaves one wakeup token however many it queued, none if it
// queued nothing.
func TestQueuePushBatch(t *testing.T) {
	q := newQueue(8)
	batch := []*Record{rec(1), rec(2), rec(3), rec(2), rec(5)}
	two := Filter{Port: 2}
	q.push(batch, &two)
	if n := len(q.ready); n != 1 {
		t.Errorf("%d wakeup tokens, want 1", n)
	}
	if got := ports(q.take(nil, 10)); !equalInts(got, []int{2, 2}) {
		t.Errorf("take = %v, want [2 2]", got)
	}
	<-q.ready
	none := Filter{Port: 9}
	q.push(batch, &none)
	if n := len(q.ready); n != 0 {
		t.Errorf("%d wakeup tokens after queueing nothing, want 0", n)
	}
	q.push(batch, nil)
	if got := ports(q.take(nil, 10)); !equalInts(got, []int{1, 2, 3, 2, 5}) {
		t.Errorf("take = %v, want the whole batch", got)
	}
}

func TestRingLast(t *testing.T) {
	r := newRing(4)
	all := Filter{}
	if got := r.last(&all, -1); len(got) != 0 {
		t.Errorf("empty ring: %v", ports(got))
	}
	for i := 1; i <= 6; i++ {
		r.add(rec(i))
	}
	for _, tc := range []struct {
		n    int
		want []int
	}{{-1, seq(3, 6)}, {2, seq(5, 6)}, {10, seq(3, 6)}, {0, nil}} {
		if got := ports(r.last(&all, tc.n)); !equalInts(got, tc.want) {
			t.Errorf("last(%d) = %v, want %v", tc.n, got, tc.want)
		}
	}
	even := Filter{Port: 4}
	if got := ports(r.last(&even, -1)); !equalInts(got, []int{4}) {
		t.Errorf("last matching port 4 = %v", got)
	}
}

// TestSlowSubscriberDropsOldest: a subscriber that does not read keeps
// the newest records its queue holds and counts the rest as dropped,
// while another subscriber sees everything.
func TestSlowSubscriberDropsOldest(t *testing.T) {
	h := testHub(16, 4)
	slow, _ := h.Subscribe("slow", Filter{}, 0)
	defer slow.Close()
	fast, _ := h.Subscribe("fast", Filter{}, 0)
	defer fast.Close()

	var got []*Record
	var wg sync.WaitGroup
	wg.Go(func() {
		var err error
		for len(got) < 10 && err == nil {
			got, err = fast.Next(t.Context(), got, 10)
		}
	})
	for i := 1; i <= 10; i++ {
		h.Publish(rec(i))
		if i%2 == 0 {
			time.Sleep(time.Millisecond) // let the fast one keep up
		}
	}
	wg.Wait()
	if !equalInts(ports(got), seq(1, 10)) {
		t.Errorf("fast subscriber got %v", ports(got))
	}
	batch, err := slow.Next(t.Context(), nil, 100)
	if err != nil || !equalInts(ports(batch), seq(7, 10)) || slow.Dropped() != 6 {
		t.Errorf("slow subscriber got %v (%v), dropped %d; want 7..10, dropped 6", ports(batch), err, slow.Dropped())
	}
	st := h.Stats()
	if len(st.Consumers) != 2 || st.Consumers[0].Dropped != 6 || st.Consumers[1].Dropped != 0 || st.Published != 10 {
		t.Errorf("stats: %+v", st)
	}
	slow.Close()
	if _, err := slow.Next(t.Context(), nil, 1); !errors.Is(err, ErrUnsubscribed) {
		t.Errorf("Next after Close: %v", err)
	}
	if st := h.Stats(); len(st.Consumers) != 1 || st.EndedDropped != 6 || st.EndedDelivered != 4 {
		t.Errorf("stats after close: %+v", st)
	}
}

// blockingExporter blocks in Export until released.
type blockingExporter struct {
	entered chan struct{}
	release chan struct{}
	mu      sync.Mutex
	got     []int
	closed  bool
}

func (b *blockingExporter) Name() string { return "blocked" }

func (b *blockingExporter) Export(ctx context.Context, batch []*Record) error {
	select {
	case b.entered <- struct{}{}:
	default:
	}
	select {
	case <-b.release:
	default:
		select {
		case <-b.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	b.mu.Lock()
	b.got = append(b.got, ports(batch)...)
	b.mu.Unlock()
	return nil
}

func (b *blockingExporter) Close(context.Context) error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return nil
}

// TestBlockedExporterNeverBlocksReader: with an exporter stuck in Export,
// publishing many times its queue's length finishes promptly, a
// subscriber still receives everything, and the exporter's queue keeps
// the newest records and counts the dropped ones.
func TestBlockedExporterNeverBlocksReader(t *testing.T) {
	h := testHub(64, 16)
	stuck := &blockingExporter{entered: make(chan struct{}, 1), release: make(chan struct{})}
	h.AddExporter(stuck)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		_ = h.Run(ctx, time.Second)
		close(done)
	}()
	sub, _ := h.Subscribe("observer", Filter{}, 0)
	defer sub.Close()

	h.Publish(rec(0))
	select {
	case <-stuck.entered:
	case <-time.After(5 * time.Second):
		t.Fatal("exporter never called")
	}
	const n = 100_000
	published := make(chan struct{})
	go func() {
		for i := 1; i <= n; i++ {
			r := rec(i % 65536)
			if i == n {
				r.Protocol = "END"
			}
			h.Publish(r)
		}
		close(published)
	}()
	select {
	case <-published:
	case <-time.After(10 * time.Second):
		t.Fatal("publishing blocked behind a stuck exporter")
	}
	// The subscriber is not stuck: it gets what its queue kept, the
	// newest records up to the last one.
	var seen int
	for end := false; !end; {
		batch, err := sub.Next(ctx, nil, 4096)
		if err != nil {
			t.Fatal(err)
		}
		seen += len(batch)
		end = batch[len(batch)-1].Protocol == "END"
	}
	if uint64(seen)+sub.Dropped() != n+1 {
		t.Errorf("subscriber saw %d and dropped %d of %d", seen, sub.Dropped(), n+1)
	}
	var x ConsumerStats
	for _, c := range h.Stats().Consumers {
		if c.Kind == KindExporter {
			x = c
		}
	}
	// Record 0 is in the stuck batch; the queue holds the last 16 of the
	// n others and dropped the rest.
	if x.Queued != 16 || x.Dropped != n-16 {
		t.Errorf("exporter stats %+v", x)
	}
	close(stuck.release)
	cancel()
	<-done
	stuck.mu.Lock()
	defer stuck.mu.Unlock()
	want := append([]int{0}, seqMod(n-15, n)...)
	if !equalInts(stuck.got, want) || !stuck.closed {
		t.Errorf("exporter got %v (closed %v), want %v", stuck.got, stuck.closed, want)
	}
}

func seqMod(from, to int) []int {
	var out []int
	for i := from; i <= to; i++ {
		out = append(out, i%65536)
	}
	return out
}

func TestSubscribeBacklog(t *testing.T) {
	h := testHub(8, 8)
	for i := 1; i <= 10; i++ {
		h.Publish(rec(i))
	}
	odd := Filter{Port: 9}
	for _, tc := range []struct {
		f    Filter
		last int
		want []int
	}{
		{Filter{}, -1, seq(3, 10)},
		{Filter{}, 3, seq(8, 10)},
		{Filter{}, 0, nil},
		{odd, -1, []int{9}},
	} {
		sub, backlog := h.Subscribe("t", tc.f, tc.last)
		sub.Close()
		if !equalInts(ports(backlog), tc.want) {
			t.Errorf("Subscribe(%+v, %d) backlog %v, want %v", tc.f, tc.last, ports(backlog), tc.want)
		}
	}
	if got := ports(h.Recent(Filter{}, 2)); !equalInts(got, []int{9, 10}) {
		t.Errorf("Recent = %v", got)
	}
	// A subscriber's filter applies before its queue.
	sub, _ := h.Subscribe("udp", Filter{Protocol: "UDP"}, 0)
	defer sub.Close()
	h.Publish(rec(11))
	u := rec(12)
	u.Protocol = "UDP"
	h.Publish(u)
	batch, err := sub.Next(t.Context(), nil, 10)
	if err != nil || !equalInts(ports(batch), []int{12}) {
		t.Errorf("filtered subscriber got %v, %v", ports(batch), err)
	}
	if name := sub.Name(); name != "udp-"+strconv.Itoa(5) {
		t.Errorf("subscriber name %q", name)
	}
}

func TestNextHonoursContext(t *testing.T) {
	h := testHub(4, 4)
	sub, _ := h.Subscribe("t", Filter{}, 0)
	defer sub.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel()
	if _, err := sub.Next(ctx, nil, 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Next on an idle subscription: %v", err)
	}
}

// TestHubRunLeavesNoGoroutines: Run's exporter goroutines end with it.
func TestHubRunLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	h := testHub(8, 8)
	for range 4 {
		h.AddExporter(&blockingExporter{entered: make(chan struct{}, 1), release: make(chan struct{})})
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		_ = h.Run(ctx, 10*time.Millisecond)
		close(done)
	}()
	h.Publish(rec(1)) // every exporter blocks in Export until the drain gives up
	time.Sleep(10 * time.Millisecond)
	cancel()
	<-done
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > before; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines before, %d after Run", before, runtime.NumGoroutine())
		}
	}
}
