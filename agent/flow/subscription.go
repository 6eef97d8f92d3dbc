package flow

import (
	"context"
	"errors"
)

// ErrUnsubscribed is returned by Next after Close.
var ErrUnsubscribed = errors.New("subscription closed")

// Subscription receives the records its filter selects, through a
// bounded queue that drops its oldest records when the subscriber falls
// behind. Close it when done.
type Subscription struct {
	h *Hub
	c *consumer
}

// Name is the subscriber's name in stats and metrics.
func (s *Subscription) Name() string { return s.c.name }

// Next waits for records and appends up to maxRecords of them to dst.
// It returns ctx's error when ctx is done and ErrUnsubscribed after
// Close.
func (s *Subscription) Next(ctx context.Context, dst []*Record, maxRecords int) ([]*Record, error) {
	for {
		n := len(dst)
		if dst = s.c.q.take(dst, maxRecords); len(dst) > n {
			return dst, nil
		}
		if s.c.q.isClosed() {
			return dst, ErrUnsubscribed
		}
		if err := s.c.q.wait(ctx); err != nil {
			return dst, err
		}
	}
}

// Dropped is how many selected records the subscription lost because
// its queue was full.
func (s *Subscription) Dropped() uint64 {
	_, _, _, dropped, _ := s.c.q.stats()
	return dropped
}

// Close ends the subscription; Next returns ErrUnsubscribed.
func (s *Subscription) Close() { s.h.unsubscribe(s.c) }
