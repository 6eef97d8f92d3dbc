package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/zeta-net/zeta/agent/l7/authz"
	"github.com/zeta-net/zeta/policy/secid"
)

// Meta is what the proxy knows about a connection besides its bytes.
type Meta struct {
	// Source is the client's address; Destination the address the client
	// connected to (the workload's), where allowed requests go.
	Source, Destination netip.AddrPort
	// PeerIdentity is the client's security identity (reserved:world if
	// unknown); PeerSPIFFEID its SPIFFE ID when it came through the
	// mutual-TLS tunnel.
	PeerIdentity secid.ID
	PeerSPIFFEID string
}

// Config configures a Server. Engine and Dial are required.
type Config struct {
	// Engine returns the engine judging requests to a connection's
	// destination, asked for each request so that a new policy applies
	// to open connections too; nil (no policy for the destination)
	// denies, fail-closed, with reason no-policy.
	Engine func(Meta) *authz.Engine
	// Dial connects to the workload for a connection.
	Dial func(ctx context.Context, m Meta) (net.Conn, error)
	// Record, if set, receives every request's record. It is called on
	// the request's goroutine and must not block.
	Record func(Record)
	// Registerer, if set, registers the proxy's metrics.
	Registerer prometheus.Registerer
	// Logger logs audited requests and failures; nil discards.
	Logger *slog.Logger
	// Now is the clock of records; nil means time.Now.
	Now func() time.Time
}

// ErrClosed is returned by ServeConn and Serve after Close.
var ErrClosed = errors.New("l7 proxy closed")

// Server is the proxy. Its methods are safe for concurrent use.
type Server struct {
	cfg     Config
	metrics *metrics
	srv     *http.Server
	ln      *connListener
}

// New starts a proxy that serves the connections given to ServeConn.
func New(cfg Config) (*Server, error) {
	if cfg.Engine == nil || cfg.Dial == nil {
		return nil, errors.New("new l7 proxy: Engine and Dial are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, fmt.Errorf("new l7 proxy: %w", err)
	}
	s := &Server{cfg: cfg, metrics: m, ln: newConnListener()}
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	s.srv = &http.Server{
		Handler:           &handler{s: s, proxy: newReverseProxy(s)},
		Protocols:         &protocols,
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       5 * time.Minute,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelDebug),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			if mc, ok := c.(*metaConn); ok {
				return context.WithValue(ctx, connKey{}, mc.state)
			}
			return ctx
		},
		ConnState: func(c net.Conn, st http.ConnState) {
			if mc, ok := c.(*metaConn); ok && (st == http.StateClosed || st == http.StateHijacked) {
				mc.state.close()
			}
		},
	}
	go func() { _ = s.srv.Serve(s.ln) }()
	return s, nil
}

// ServeConn serves HTTP on an accepted connection until it closes, the
// client or the workload ends it, or ctx is done (which closes it).
func (s *Server) ServeConn(ctx context.Context, c net.Conn, m Meta) error {
	mc := &metaConn{Conn: c, done: make(chan struct{}), state: s.newConnState(m)}
	select {
	case s.ln.conns <- mc:
	case <-s.ln.closed:
		_ = c.Close()
		return ErrClosed
	case <-ctx.Done():
		_ = c.Close()
		return fmt.Errorf("serve l7 connection: %w", ctx.Err())
	}
	select {
	case <-mc.done:
		return nil
	case <-ctx.Done():
		_ = mc.Close()
		return fmt.Errorf("serve l7 connection: %w", ctx.Err())
	}
}

// Serve accepts connections from ln and serves each with the Meta that
// meta finds for it (a connection it finds none for is closed), until ctx
// is done or ln fails. It closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener, meta func(net.Conn) (Meta, error)) error {
	stop := context.AfterFunc(ctx, func() { _ = ln.Close() })
	defer stop()
	defer func() { _ = ln.Close() }()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("serve l7 proxy: %w", err)
		}
		m, err := meta(c)
		if err != nil {
			s.cfg.Logger.Debug("l7 connection without metadata", "remote", c.RemoteAddr().String(), "error", err)
			_ = c.Close()
			continue
		}
		wg.Go(func() { _ = s.ServeConn(ctx, c, m) })
	}
}

// Close closes every connection being served.
func (s *Server) Close() error {
	s.ln.close()
	return s.srv.Close()
}

// metaConn is a connection handed to the HTTP server with its state.
type metaConn struct {
	net.Conn
	state *connState
	once  sync.Once
	done  chan struct{}
}

func (c *metaConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { close(c.done) })
	return err
}

// connListener is the HTTP server's listener: it accepts what ServeConn
// hands over.
type connListener struct {
	conns     chan net.Conn
	closed    chan struct{}
	closeOnce sync.Once
}

func newConnListener() *connListener {
	return &connListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (l *connListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *connListener) close() { l.closeOnce.Do(func() { close(l.closed) }) }

func (l *connListener) Close() error { l.close(); return nil }

func (l *connListener) Addr() net.Addr { return &net.TCPAddr{} }
