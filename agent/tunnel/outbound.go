package tunnel

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
)

// OutboundConfig configures an Outbound.
type OutboundConfig struct {
	Resolver Resolver   // required
	SVIDs    SVIDSource // required
	// Dial opens connections to destination nodes and pass-through
	// destinations; DialTCP by default.
	Dial Dialer
	// Record receives a record for every connection; optional.
	Record func(Record)
	Log    *slog.Logger
	// MaxStreamsPerConn caps the streams multiplexed on one TLS
	// connection; 100 by default.
	MaxStreamsPerConn int
	// HandshakeTimeout bounds connecting and the TLS handshake to a
	// destination node; 10 s by default.
	HandshakeTimeout time.Duration
	// IdleTimeout closes a stream that carried nothing either way for
	// that long; 1 h by default, negative for never.
	IdleTimeout time.Duration
	// PoolIdleTimeout closes a pooled TLS connection without streams
	// after that long; 90 s by default.
	PoolIdleTimeout time.Duration
}

func (c *OutboundConfig) setDefaults() error {
	if c.Resolver == nil || c.SVIDs == nil {
		return errors.New("tunnel outbound: Resolver and SVIDs are required")
	}
	if c.Dial == nil {
		c.Dial = DialTCP
	}
	if c.MaxStreamsPerConn <= 0 {
		c.MaxStreamsPerConn = 100
	}
	if c.HandshakeTimeout <= 0 {
		c.HandshakeTimeout = 10 * time.Second
	}
	c.IdleTimeout = idleDefault(c.IdleTimeout)
	if c.PoolIdleTimeout <= 0 {
		c.PoolIdleTimeout = 90 * time.Second
	}
	return nil
}

// idleDefault maps the configured stream idle timeout to the server's:
// 0 is the default hour, negative is none.
func idleDefault(d time.Duration) time.Duration {
	switch {
	case d == 0:
		return time.Hour
	case d < 0:
		return 0
	}
	return d
}

// Outbound tunnels intercepted pod connections to destination nodes.
type Outbound struct {
	server
	cfg OutboundConfig
	// h2 speaks HTTP/2 on connections that dialNode set up: it dials
	// nothing itself and keeps no connections of its own.
	h2   *http.Transport
	pool *pool
}

// NewOutbound validates cfg and returns an Outbound ready to Serve.
func NewOutbound(cfg OutboundConfig) (*Outbound, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	o := &Outbound{
		server: newServer(cfg.Log, cfg.Record, cfg.IdleTimeout, cfg.PoolIdleTimeout),
		cfg:    cfg,
		h2: &http.Transport{
			Protocols:   h2Only(),
			DialContext: establishedConn,
			HTTP2: &http.HTTP2Config{
				MaxReadFrameSize: 1 << 20,
				// Health pings find a dead peer on an otherwise silent
				// connection, so the pool stops handing it out.
				SendPingTimeout: 30 * time.Second,
				PingTimeout:     10 * time.Second,
			},
		},
	}
	o.pool = newPool(cfg.MaxStreamsPerConn, cfg.PoolIdleTimeout, o.dialNode)
	return o, nil
}

// Serve tunnels the connections accepted on ln, a transparent listener,
// until ctx is done or the Outbound shuts down. Streams outlive ctx; end
// them with Shutdown or Close.
func (o *Outbound) Serve(ctx context.Context, ln net.Listener) error {
	return o.serve(ctx, ln, o.handle, o.pool.sweep)
}

// Pool lists the pooled TLS connections.
func (o *Outbound) Pool() []PoolInfo { return o.pool.info() }

// Shutdown stops accepting and waits for live streams to end until ctx
// is done, then cuts them; pooled connections are closed.
func (o *Outbound) Shutdown(ctx context.Context) error {
	err := o.shutdown(ctx)
	o.pool.closeAll()
	return err
}

// Close cuts everything at once.
func (o *Outbound) Close() error { return closeNow(o.Shutdown) }

// handle tunnels one intercepted connection.
func (o *Outbound) handle(ctx context.Context, c net.Conn) {
	src, dst := addrPort(c.RemoteAddr()), addrPort(c.LocalAddr())
	info := ConnInfo{
		Direction:   Egress,
		Source:      Peer{IP: src.Addr(), Port: src.Port()},
		Destination: Peer{IP: dst.Addr(), Port: dst.Port()},
		Start:       time.Now(),
		Verdict:     Denied,
	}
	refuse := func(reason string, err error) {
		abortConn(c)
		o.log.Warn("tunnel outbound refused", "src", src, "dst", dst,
			"src_id", info.Source.SPIFFEID, "dst_id", info.Destination.SPIFFEID, "reason", reason, "err", err)
		o.emit(Record{ConnInfo: info, End: time.Now(), DropReason: reason, Error: err.Error()})
	}

	sw, ok := o.cfg.Resolver.Source(src.Addr())
	if !ok {
		refuse(ReasonNoSourceIdentity, errors.New("source address is no local workload with an identity"))
		return
	}
	info.Source.SPIFFEID, info.Source.Namespace, info.Source.Pod = sw.ID.String(), sw.Namespace, sw.Pod
	route, ok := o.cfg.Resolver.Destination(dst)
	if !ok {
		refuse(ReasonNoRoute, errors.New("destination unknown"))
		return
	}
	dw := route.Workload
	info.Destination.Namespace, info.Destination.Pod = dw.Namespace, dw.Pod
	if !route.MutualTLS {
		o.passThrough(ctx, c, info)
		return
	}
	info.Destination.SPIFFEID, info.Tunnel = dw.ID.String(), route.Node

	svid, err := o.cfg.SVIDs.SVID(ctx, sw.ID)
	if err == nil && (svid == nil || len(svid.Certificates) == 0) {
		err = errors.New("empty svid")
	}
	if err != nil {
		refuse(ReasonNoSourceIdentity, fmt.Errorf("svid of %s: %w", sw.ID, err))
		return
	}
	key := poolKey{source: sw.ID, node: route.Node, server: dw.ID}
	s := &stream{info: info}
	out, err := o.open(ctx, key, svid, c, s)
	if err != nil {
		reason := ReasonTunnelFailed
		if errors.Is(err, errServerIdentity) {
			reason = ReasonServerIdentity
		}
		refuse(reason, err)
		return
	}
	if out.resp.StatusCode != http.StatusOK {
		_ = out.resp.Body.Close()
		out.cancel()
		o.pool.release(out.pc)
		refuse(peerRefusal(out.resp.Header.Get(reasonHeader)),
			fmt.Errorf("destination agent answered %s", out.resp.Status))
		return
	}
	s.info.Verdict = Allowed
	o.splice(c, s, out)
}

// passThrough connects to the original destination directly, for
// destinations that do not require the tunnel.
func (o *Outbound) passThrough(ctx context.Context, c net.Conn, info ConnInfo) {
	src := netip.AddrPortFrom(info.Source.IP, info.Source.Port)
	dst := netip.AddrPortFrom(info.Destination.IP, info.Destination.Port)
	dctx, cancel := context.WithTimeout(ctx, o.cfg.HandshakeTimeout)
	d, err := o.cfg.Dial(dctx, src, dst)
	cancel()
	if err != nil {
		abortConn(c)
		o.log.Warn("tunnel pass-through failed", "src", src, "dst", dst, "err", err)
		o.emit(Record{ConnInfo: info, End: time.Now(), DropReason: ReasonUnreachable, Error: err.Error()})
		return
	}
	info.Verdict = Allowed
	s := &stream{info: info, abort: func() { abortConn(c); abortConn(d) }}
	o.live.add(s)
	err = s.spliceConns(c, d)
	_ = c.Close()
	_ = d.Close()
	o.live.remove(s)
	o.emit(s.record(errText(err)))
}

// dialNode opens a pooled connection to key.node as key.source.
func (o *Outbound) dialNode(ctx context.Context, key poolKey, svid *x509svid.SVID) (*pooledConn, error) {
	ctx, cancel := context.WithTimeout(ctx, o.cfg.HandshakeTimeout)
	defer cancel()
	raw, err := o.cfg.Dial(ctx, netip.AddrPort{}, key.node)
	if err != nil {
		return nil, fmt.Errorf("connect to node %s: %w", key.node, err)
	}
	cfg := clientTLS(svid, o.cfg.SVIDs.Bundles(), key.server)
	tc := newBatchTLS(raw, func(c net.Conn) *tls.Conn { return tls.Client(c, cfg) })
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = raw.Close()
		return nil, fmt.Errorf("tls handshake with %s as %s: %w", key.node, key.source, err)
	}
	if p := tc.ConnectionState().NegotiatedProtocol; p != alpnH2 {
		_ = tc.Close()
		return nil, fmt.Errorf("tls handshake with %s: negotiated %q, want %q", key.node, p, alpnH2)
	}
	cc, err := o.h2.NewClientConn(context.WithValue(ctx, establishedKey{}, net.Conn(tc)), "http", key.node.String())
	if err != nil {
		_ = tc.Close()
		return nil, fmt.Errorf("http2 with %s: %w", key.node, err)
	}
	o.log.Debug("tunnel connection opened", "node", key.node, "src_id", key.source, "dst_id", key.server)
	return &pooledConn{key: key, cc: cc, cert: svid.Certificates[0].Raw, created: time.Now()}, nil
}

// h2Only is HTTP/2 with prior knowledge: TLS is set up beneath, by the
// tunnel, with ALPN h2.
func h2Only() *http.Protocols {
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	return &p
}

// establishedKey carries, in NewClientConn's context, the connection
// that dialNode established.
type establishedKey struct{}

// establishedConn hands h2 the connection dialNode established.
func establishedConn(ctx context.Context, _, addr string) (net.Conn, error) {
	c, ok := ctx.Value(establishedKey{}).(net.Conn)
	if !ok {
		return nil, fmt.Errorf("dial %s: no established connection", addr)
	}
	return c, nil
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// addrPort is a TCP address as a netip.AddrPort, IPv4 unmapped.
func addrPort(a net.Addr) netip.AddrPort {
	if ta, ok := a.(*net.TCPAddr); ok {
		ap := ta.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap
}
