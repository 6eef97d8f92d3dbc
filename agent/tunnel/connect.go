package tunnel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
)

// Headers of the CONNECT exchange besides the pseudo-headers.
const (
	// forwardedHeader carries the original source (RFC 7239), as
	// ztunnel sends it; the destination agent trusts it only as far as it
	// trusts the authenticated peer.
	forwardedHeader = "Forwarded"
	// reasonHeader carries a refusal's reason, one of the Reason
	// constants, so the client's record names it too.
	reasonHeader = "Zeta-Reason"
)

// outStream is an open CONNECT stream from the client side.
type outStream struct {
	pc     *pooledConn
	resp   *http.Response
	body   *upstream
	cancel context.CancelFunc
}

// upstream is a CONNECT request's body: the source's bytes, which the
// HTTP/2 client reads straight from the intercepted connection once the
// destination agent accepted the stream (so that a retried CONNECT
// loses nothing), counted into s.
type upstream struct {
	c      net.Conn
	s      *stream
	open   chan struct{} // closed once the answer is 200
	closed chan struct{} // closed when the client is done with the body
	once   sync.Once
	eof    atomic.Bool // the source half-closed
}

func newUpstream(c net.Conn, s *stream) *upstream {
	return &upstream{c: c, s: s, open: make(chan struct{}), closed: make(chan struct{})}
}

func (u *upstream) Read(p []byte) (int, error) {
	select {
	case <-u.open:
	case <-u.closed:
		return 0, io.ErrClosedPipe
	}
	select {
	case <-u.closed: // both were ready
		return 0, io.ErrClosedPipe
	default:
	}
	n, err := u.c.Read(p)
	if n > 0 {
		u.s.toDst.Add(uint64(n))
		u.s.touch()
	}
	if errors.Is(err, io.EOF) {
		u.eof.Store(true)
	}
	return n, err
}

// Close is the HTTP/2 client saying it sent END_STREAM or gave up. When
// it gave up on an open body, its body writer may still wait in Read,
// and only returns (and lets the stream's response end) once that Read
// does: a deadline in the past ends it. The connection itself is left to
// splice; a body never opened (a refused or retried CONNECT) leaves it
// untouched.
func (u *upstream) Close() error {
	u.once.Do(func() { close(u.closed) })
	select {
	case <-u.open:
		if !u.eof.Load() {
			_ = u.c.SetReadDeadline(time.Now())
		}
	default:
	}
	return nil
}

// open sends a CONNECT for dst on a pooled connection of key and waits
// for the answer. A pooled connection that failed under it (closed by
// the server, GOAWAY) is replaced once: nothing was sent yet.
func (o *Outbound) open(ctx context.Context, key poolKey, svid *x509svid.SVID, c net.Conn, s *stream) (*outStream, error) {
	src := netip.AddrPortFrom(s.info.Source.IP, s.info.Source.Port)
	dst := netip.AddrPortFrom(s.info.Destination.IP, s.info.Destination.Port)
	for attempt := 0; ; attempt++ {
		pc, err := o.pool.get(ctx, key, svid)
		if err != nil {
			return nil, err
		}
		sctx, cancel := context.WithCancel(ctx)
		body := newUpstream(c, s)
		req := (&http.Request{
			Method:        http.MethodConnect,
			URL:           &url.URL{Host: dst.String()},
			Host:          dst.String(),
			Header:        http.Header{forwardedHeader: {`for="` + src.String() + `"`}},
			Body:          body,
			ContentLength: -1,
		}).WithContext(sctx)
		// The answer comes after the destination agent dialed the pod.
		timer := time.AfterFunc(o.cfg.HandshakeTimeout, cancel)
		resp, err := pc.cc.RoundTrip(req)
		timer.Stop()
		if err == nil {
			return &outStream{pc: pc, resp: resp, body: body, cancel: cancel}, nil
		}
		cancel()
		// The connection may have died without knowing yet (its reader
		// has not seen the close): it takes no more streams, and the
		// CONNECT, whose body was not read, is sent once more on another.
		o.pool.retire(pc)
		if attempt == 0 {
			continue
		}
		return nil, fmt.Errorf("connect %s via %s: %w", dst, key.node, err)
	}
}

// splice copies between the intercepted connection c and the accepted
// stream until both directions ended, then reports the stream.
func (o *Outbound) splice(c net.Conn, s *stream, out *outStream) {
	s.abort = func() {
		out.cancel()
		abortConn(c)
	}
	o.live.add(s)
	close(out.body.open) // the source's bytes may flow now
	err := s.copyCounted(c, out.resp.Body, &s.toSrc)
	if err == nil {
		err = closeWrite(c)
	}
	if err != nil {
		// The stream was reset or the source failed: make the source
		// see a reset too, not a clean end.
		out.cancel()
		abortConn(c)
	}
	<-out.body.closed
	_ = out.resp.Body.Close()
	out.cancel()
	_ = c.Close()
	o.pool.release(out.pc)
	o.live.remove(s)
	r := s.record(errText(err))
	o.log.Debug("tunnel outbound stream ended", "src_id", s.info.Source.SPIFFEID, "dst", s.info.Destination.IP,
		"to_dst", r.BytesToDestination, "to_src", r.BytesToSource, "err", r.Error)
	o.emit(r)
}
