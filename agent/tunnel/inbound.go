package tunnel

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
)

// Port is the HBONE port.
const Port = 15008

// InboundConfig configures an Inbound.
type InboundConfig struct {
	// TrustDomain is the only trust domain whose peers are accepted.
	TrustDomain spiffeid.TrustDomain // required
	SVIDs       SVIDSource           // required
	Pods        LocalPods            // required
	Authorizer  Authorizer           // required
	// Dial connects to local pods; DialTCP by default.
	Dial Dialer
	// Record receives a record for every stream and every refused
	// connection; optional.
	Record func(Record)
	Log    *slog.Logger
	// HandshakeTimeout bounds the TLS handshake and dialing a pod; 10 s
	// by default.
	HandshakeTimeout time.Duration
	// IdleTimeout closes a stream that carried nothing either way for
	// that long; 1 h by default, negative for never.
	IdleTimeout time.Duration
	// ConnIdleTimeout closes a TLS connection without streams after that
	// long; 5 min by default.
	ConnIdleTimeout time.Duration
	// MaxStreamsPerConn is the concurrent streams a client may open on
	// one connection; 1000 by default.
	MaxStreamsPerConn uint32
}

func (c *InboundConfig) setDefaults() error {
	if c.TrustDomain.IsZero() || c.SVIDs == nil || c.Pods == nil || c.Authorizer == nil {
		return errors.New("tunnel inbound: TrustDomain, SVIDs, Pods and Authorizer are required")
	}
	if c.Dial == nil {
		c.Dial = DialTCP
	}
	if c.HandshakeTimeout <= 0 {
		c.HandshakeTimeout = 10 * time.Second
	}
	c.IdleTimeout = idleDefault(c.IdleTimeout)
	if c.ConnIdleTimeout <= 0 {
		c.ConnIdleTimeout = 5 * time.Minute
	}
	if c.MaxStreamsPerConn == 0 {
		c.MaxStreamsPerConn = 1000
	}
	return nil
}

// Inbound terminates tunnels from other nodes and connects their streams
// to local pods.
type Inbound struct {
	server
	cfg InboundConfig
	// h2 serves HTTP/2 on the connections whose handshake succeeded,
	// which handle hands over through ready.
	h2      *http.Server
	ready   *connQueue
	h2Start sync.Once
	h2Done  chan struct{} // closed when h2's Serve returned

	peersMu sync.Mutex
	peers   map[*tlsPeer]struct{}
}

// NewInbound validates cfg and returns an Inbound ready to Serve.
func NewInbound(cfg InboundConfig) (*Inbound, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	in := &Inbound{
		server: newServer(cfg.Log, cfg.Record, cfg.IdleTimeout),
		cfg:    cfg,
		ready:  newConnQueue(),
		h2Done: make(chan struct{}),
		peers:  make(map[*tlsPeer]struct{}),
	}
	in.h2 = &http.Server{
		Protocols:   h2Only(),
		Handler:     http.HandlerFunc(in.serveStream),
		ConnContext: withPeer,
		IdleTimeout: cfg.ConnIdleTimeout,
		// HTTP/1 is not served; this bounds a client that sends no
		// preface.
		ReadHeaderTimeout: cfg.HandshakeTimeout,
		HTTP2: &http.HTTP2Config{
			MaxConcurrentStreams:          int(cfg.MaxStreamsPerConn),
			MaxReadFrameSize:              1 << 20,
			MaxReceiveBufferPerConnection: 4<<20 - 1,
			MaxReceiveBufferPerStream:     4<<20 - 1,
			SendPingTimeout:               30 * time.Second,
			PingTimeout:                   10 * time.Second,
		},
		ErrorLog: slog.NewLogLogger(in.log.Handler(), slog.LevelDebug),
	}
	return in, nil
}

// Serve terminates tunnels on ln, a TCP listener (normally :15008),
// until ctx is done or the Inbound shuts down. Streams outlive ctx; end
// them with Shutdown or Close.
func (in *Inbound) Serve(ctx context.Context, ln net.Listener) error {
	in.h2Start.Do(func() {
		go func() {
			defer close(in.h2Done)
			if err := in.h2.Serve(in.ready); !errors.Is(err, http.ErrServerClosed) {
				in.log.Error("tunnel http2 server stopped", "err", err)
			}
		}()
	})
	return in.serve(ctx, ln, in.handle, nil)
}

// Shutdown stops accepting, asks every client to open no more streams
// (GOAWAY), waits for live streams until ctx is done, then cuts them.
func (in *Inbound) Shutdown(ctx context.Context) error {
	err := in.shutdown(ctx) // the handshakes in progress
	herr := in.h2.Shutdown(ctx)
	for herr == nil && in.live.len() > 0 {
		select {
		case <-ctx.Done():
			herr = ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	if herr != nil {
		in.live.killAll("tunnel shut down")
		_ = in.h2.Close()
		if err == nil {
			err = fmt.Errorf("shut down tunnel: %w", herr)
		}
	}
	in.h2Start.Do(func() { close(in.h2Done) })
	<-in.h2Done
	return err
}

// Close cuts everything at once.
func (in *Inbound) Close() error { return closeNow(in.Shutdown) }

// handle runs the handshake on one accepted connection and hands it to
// h2.
func (in *Inbound) handle(ctx context.Context, raw net.Conn) {
	start := time.Now()
	remote, local := addrPort(raw.RemoteAddr()), addrPort(raw.LocalAddr())
	hs := &handshake{in: in, local: local.Addr()}
	cfg := hs.config()
	tc := newBatchTLS(raw, func(c net.Conn) *tls.Conn { return tls.Server(c, cfg) })
	hctx, cancel := context.WithTimeout(ctx, in.cfg.HandshakeTimeout)
	err := tc.HandshakeContext(hctx)
	cancel()
	if err == nil {
		if p := tc.ConnectionState().NegotiatedProtocol; p != alpnH2 {
			err = hs.fail(ReasonHandshake, fmt.Errorf("negotiated application protocol %q, want %q", p, alpnH2))
		}
	}
	if err != nil {
		_ = raw.Close()
		reason := hs.reason
		if reason == "" {
			reason = ReasonHandshake
		}
		in.log.Warn("tunnel handshake refused", "remote", remote, "reason", reason, "peer_id", idString(hs.peer), "err", err)
		in.emit(Record{
			ConnInfo: ConnInfo{
				Direction:   Ingress,
				Source:      Peer{IP: remote.Addr(), Port: remote.Port(), SPIFFEID: idString(hs.peer)},
				Destination: Peer{IP: local.Addr(), Port: local.Port(), SPIFFEID: idString(hs.server)},
				Tunnel:      remote,
				Start:       start,
				Verdict:     Denied,
			},
			End: time.Now(), DropReason: reason, Error: err.Error(),
		})
		return
	}

	pc := &peerConn{Conn: tc, in: in}
	pc.peer = &tlsPeer{conn: pc, remote: remote, server: hs.server, peer: hs.peer, chain: hs.chain, at: time.Now()}
	in.peersMu.Lock()
	in.peers[pc.peer] = struct{}{}
	in.peersMu.Unlock()
	in.log.Debug("tunnel connection accepted", "remote", remote, "peer_id", hs.peer, "server_id", hs.server)
	if !in.ready.push(pc) {
		_ = pc.Close()
	}
}

func idString(id spiffeid.ID) string {
	if id.IsZero() {
		return ""
	}
	return id.String()
}
