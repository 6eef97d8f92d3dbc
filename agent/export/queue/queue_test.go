package queue

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zeta-net/zeta/agent/export"
	"github.com/zeta-net/zeta/agent/export/retry"
)

// fakeClock records the backoff waits and advances its time by them
// instead of sleeping.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.sleeps)
}

func testConfig(size, batch int) Config {
	return Config{Size: size, MaxBatch: batch, Retry: retry.Config{
		Initial: 100 * time.Millisecond, Max: time.Second, Multiplier: 2, Jitter: 0.5,
	}}
}

func newQueue[T any](t *testing.T, cfg Config, send SendFunc[T], clock *fakeClock) *Queue[T] {
	t.Helper()
	q := New(cfg, send, Options{Sleep: clock.Sleep, Now: clock.Now, Rand: func() float64 { return 0.75 }})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = q.Close(ctx)
		select {
		case <-q.done:
		default:
			t.Error("delivery goroutine still running after Close")
		}
	})
	return q
}

func flush(t *testing.T, q interface{ Flush(context.Context) error }) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := q.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

// collector is a SendFunc that records batches and fails on demand.
type collector struct {
	mu      sync.Mutex
	batches [][]int
	fail    func(attempt int) error
	calls   int
}

func (c *collector) send(_ context.Context, batch []int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	if c.fail != nil {
		if err := c.fail(c.calls); err != nil {
			return err
		}
	}
	c.batches = append(c.batches, slices.Clone(batch))
	return nil
}

func (c *collector) all() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Concat(c.batches...)
}

func seq(from, to int) []int {
	var s []int
	for i := from; i < to; i++ {
		s = append(s, i)
	}
	return s
}

func TestDeliversInOrderInBatches(t *testing.T) {
	var c collector
	q := newQueue(t, testConfig(1000, 7), c.send, &fakeClock{})
	for i := range 10 {
		if err := q.Push(seq(i*10, i*10+10)...); err != nil {
			t.Fatal(err)
		}
	}
	flush(t, q)
	if got := c.all(); !slices.Equal(got, seq(0, 100)) {
		t.Errorf("delivered %v", got)
	}
	for _, b := range c.batches {
		if len(b) > 7 {
			t.Errorf("batch of %d exceeds max batch 7", len(b))
		}
	}
	if s := q.Stats(); s != (export.Stats{Exported: 100}) {
		t.Errorf("Stats = %+v", s)
	}
}

func TestFullBufferDropsOldest(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	var c collector
	send := func(ctx context.Context, batch []int) error {
		select {
		case started <- struct{}{}:
		default:
		}
		<-release
		return c.send(ctx, batch)
	}
	q := newQueue(t, testConfig(10, 1), send, &fakeClock{})
	_ = q.Push(0) // taken into flight, blocked in send
	<-started
	// Push never blocks, even while the destination hangs.
	done := make(chan struct{})
	go func() {
		_ = q.Push(seq(1, 16)...) // 15 items into 10 places: 1..5 go
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Push blocked on a hung destination")
	}
	if s := q.Stats(); s.Dropped != 5 || s.QueueDepth != 11 {
		t.Errorf("Stats while blocked = %+v, want 5 dropped, depth 11", s)
	}
	close(release)
	flush(t, q)
	if got, want := c.all(), append([]int{0}, seq(6, 16)...); !slices.Equal(got, want) {
		t.Errorf("delivered %v, want %v", got, want)
	}
	if s := q.Stats(); s != (export.Stats{Exported: 11, Dropped: 5}) {
		t.Errorf("Stats = %+v", s)
	}
}

func TestRetriesWithBackoffAndJitter(t *testing.T) {
	c := collector{fail: func(n int) error {
		if n <= 6 {
			return errors.New("connection refused")
		}
		return nil
	}}
	clock := &fakeClock{}
	q := newQueue(t, testConfig(100, 100), c.send, clock)
	_ = q.Push(1, 2, 3)
	flush(t, q)
	// 100ms·2^n capped at 1s, times 1+0.5·(2·0.75-1) = 1.25.
	want := []time.Duration{125, 250, 500, 1000, 1250, 1250}
	for i := range want {
		want[i] *= time.Millisecond
	}
	if got := clock.Sleeps(); !slices.Equal(got, want) {
		t.Errorf("backoff waits %v, want %v", got, want)
	}
	if s := q.Stats(); s != (export.Stats{Exported: 3, Retried: 6}) {
		t.Errorf("Stats = %+v", s)
	}
}

func TestPermanentErrorDropsBatch(t *testing.T) {
	c := collector{fail: func(n int) error {
		if n == 1 {
			return retry.Permanent(errors.New("400 bad request"))
		}
		return nil
	}}
	q := newQueue(t, testConfig(100, 2), c.send, &fakeClock{})
	_ = q.Push(1, 2, 3)
	flush(t, q)
	if got := c.all(); !slices.Equal(got, []int{3}) {
		t.Errorf("delivered %v, want [3]", got)
	}
	if s := q.Stats(); s != (export.Stats{Exported: 1, Dropped: 2}) {
		t.Errorf("Stats = %+v", s)
	}
}

func TestMaxElapsedGivesUp(t *testing.T) {
	c := collector{fail: func(int) error { return errors.New("unavailable") }}
	cfg := testConfig(100, 100)
	cfg.Retry.MaxElapsed = 2 * time.Second
	clock := &fakeClock{}
	q := newQueue(t, cfg, c.send, clock)
	_ = q.Push(1, 2)
	flush(t, q)
	// 125+250+500 = 875ms elapsed; the next wait (1s) would still fit,
	// the one after (1.25s) would not.
	if got := len(clock.Sleeps()); got != 4 {
		t.Errorf("%d retries before giving up, want 4 (%v)", got, clock.Sleeps())
	}
	if s := q.Stats(); s != (export.Stats{Retried: 4, Dropped: 2}) {
		t.Errorf("Stats = %+v", s)
	}
}

func TestCloseDropsWhatItCannotDeliver(t *testing.T) {
	send := func(ctx context.Context, _ []int) error {
		<-ctx.Done() // a destination that never answers
		return ctx.Err()
	}
	q := New(testConfig(100, 10), send, Options{})
	_ = q.Push(seq(0, 25)...)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := q.Close(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close = %v, want deadline exceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v past its deadline", d)
	}
	select {
	case <-q.done:
	default:
		t.Error("delivery goroutine still running after Close")
	}
	if s := q.Stats(); s != (export.Stats{Dropped: 25}) {
		t.Errorf("Stats = %+v", s)
	}
	if err := q.Push(1); !errors.Is(err, export.ErrClosed) {
		t.Errorf("Push after Close = %v", err)
	}
	if s := q.Stats(); s.Dropped != 26 {
		t.Errorf("a push after Close is not counted: %+v", s)
	}
	if err := q.Close(context.Background()); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

func TestCloseDeliversBufferedRecords(t *testing.T) {
	var c collector
	q := New(testConfig(100, 10), c.send, Options{})
	_ = q.Push(seq(0, 42)...)
	if err := q.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := c.all(); !slices.Equal(got, seq(0, 42)) {
		t.Errorf("delivered %v", got)
	}
}

func TestRing(t *testing.T) {
	r := ring[int]{limit: 100}
	for i := range 250 {
		dropped := r.push(i)
		if dropped != (i >= 100) {
			t.Fatalf("push(%d) dropped = %v", i, dropped)
		}
	}
	if got := r.pop(60); !slices.Equal(got, seq(150, 210)) {
		t.Errorf("pop = %v", got)
	}
	for i := range 10 {
		r.push(1000 + i)
	}
	if got := r.pop(1000); !slices.Equal(got, append(seq(210, 250), seq(1000, 1010)...)) {
		t.Errorf("pop = %v", got)
	}
	if r.pop(1) != nil || r.clear() != 0 {
		t.Error("ring not empty")
	}
}

// TestCountsAddUp pushes from several goroutines into a small buffer in
// front of a destination that fails often: every item ends up counted
// once, and no snapshot counts more items than were pushed.
func TestCountsAddUp(t *testing.T) {
	var calls atomic.Int64
	send := func(context.Context, []int) error {
		switch calls.Add(1) % 4 {
		case 0:
			return retry.Permanent(errors.New("no"))
		case 1:
			return errors.New("later")
		}
		return nil
	}
	q := newQueue(t, testConfig(50, 7), send, &fakeClock{})
	var pushed atomic.Uint64
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range 500 {
				_ = q.Push(seq(0, i%13)...)
				pushed.Add(uint64(i % 13))
				s := q.Stats()
				if s.Exported+s.Dropped+uint64(s.QueueDepth) > pushed.Load()+13*4 {
					t.Errorf("snapshot counts more than was pushed: %+v", s)
				}
			}
		})
	}
	wg.Wait()
	flush(t, q)
	if s := q.Stats(); s.Exported+s.Dropped != pushed.Load() || s.QueueDepth != 0 || s.Exported == 0 || s.Dropped == 0 {
		t.Errorf("Stats = %+v after pushing %d", s, pushed.Load())
	}
}
