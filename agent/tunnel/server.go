package tunnel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"
)

// ErrClosed is returned by Serve after Shutdown or Close.
var ErrClosed = errors.New("tunnel closed")

// server is what Outbound and Inbound share: accepting, the live table,
// records and an orderly end.
type server struct {
	log      *slog.Logger
	onRecord func(Record)
	idle     time.Duration // a stream's idle limit; 0 for none
	tick     time.Duration // how often the janitor runs

	live     table
	handlers sync.WaitGroup

	// base is the context of everything a connection does; cancelled
	// when Shutdown gives up waiting.
	base   context.Context
	cancel context.CancelFunc

	mu        sync.Mutex
	closed    bool
	listeners map[net.Listener]struct{}
	conns     map[net.Conn]struct{} // accepted, until their handler ends
}

// newServer's janitor runs often enough to honour idle and the other
// timeouts its housekeeping keeps (a quarter of the shortest), at most
// once a minute.
func newServer(log *slog.Logger, onRecord func(Record), idle time.Duration, others ...time.Duration) server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tick := time.Minute
	for _, d := range append(others, idle) {
		if d > 0 {
			tick = min(tick, max(d/4, 10*time.Millisecond))
		}
	}
	base, cancel := context.WithCancel(context.Background())
	return server{
		log: log, onRecord: onRecord, idle: idle, tick: tick, base: base, cancel: cancel,
		listeners: make(map[net.Listener]struct{}), conns: make(map[net.Conn]struct{}),
	}
}

func (s *server) emit(r Record) {
	if s.onRecord != nil {
		s.onRecord(r)
	}
}

// serve accepts on ln until ctx is done or the server closes, handing
// each connection to handle in its own goroutine; housekeeping runs
// periodically meanwhile.
func (s *server) serve(ctx context.Context, ln net.Listener, handle func(context.Context, net.Conn), housekeeping func(time.Time)) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
	}()

	stop := context.AfterFunc(ctx, func() { _ = ln.Close() })
	defer stop()
	done := make(chan struct{})
	defer close(done)
	go s.janitor(done, housekeeping)

	var backoff time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || s.isClosed() {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				// A transient failure (EMFILE shows as one): back off
				// rather than spin or stop serving.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.log.Warn("tunnel accept failed, retrying", "err", err, "backoff", backoff)
				time.Sleep(backoff)
				continue
			}
			return fmt.Errorf("accept on %s: %w", ln.Addr(), err)
		}
		backoff = 0
		if !s.track(c) {
			abortConn(c)
			return nil
		}
		s.handlers.Go(func() {
			defer s.untrack(c)
			handle(s.base, c)
		})
	}
}

// janitor kills idle streams and runs housekeeping until done closes.
func (s *server) janitor(done <-chan struct{}, housekeeping func(time.Time)) {
	t := time.NewTicker(s.tick)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case now := <-t.C:
			if s.idle > 0 {
				s.live.sweep(s.idle, now)
			}
			if housekeeping != nil {
				housekeeping(now)
			}
		}
	}
}

func (s *server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *server) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// shutdown stops accepting, waits for the handlers until ctx is done,
// and then aborts every stream and connection left.
func (s *server) shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	for ln := range s.listeners {
		_ = ln.Close()
	}
	s.mu.Unlock()

	done := make(chan struct{})
	go func() {
		s.handlers.Wait()
		close(done)
	}()
	select {
	case <-done:
		s.cancel()
		return nil
	case <-ctx.Done():
	}
	s.live.killAll("tunnel shut down")
	s.cancel()
	s.mu.Lock()
	for c := range s.conns {
		abortConn(c)
	}
	s.mu.Unlock()
	<-done
	return fmt.Errorf("shut down tunnel: %w", ctx.Err())
}

// Connections lists the live tunnelled connections.
func (s *server) Connections() []ConnInfo { return s.live.connections() }

// closeNow is Close: a Shutdown that does not wait.
func closeNow(shutdown func(context.Context) error) error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := shutdown(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
