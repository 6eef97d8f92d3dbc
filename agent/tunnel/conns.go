package tunnel

import (
	"context"
	"net"
	"sync"
)

// peerConn is an inbound TLS connection after its handshake: h2 serves
// it, and closing it forgets its peer. It hides the TLS connection's
// ConnectionState, which would make net/http take it for HTTP/1 over
// TLS rather than HTTP/2 with prior knowledge.
type peerConn struct {
	net.Conn
	in   *Inbound
	peer *tlsPeer
	once sync.Once
}

func (c *peerConn) Close() error {
	c.once.Do(func() {
		c.in.peersMu.Lock()
		delete(c.in.peers, c.peer)
		c.in.peersMu.Unlock()
	})
	return c.Conn.Close()
}

// peerKey carries a stream's *tlsPeer in its request context.
type peerKey struct{}

// withPeer is h2's ConnContext: every stream of a connection knows who
// is at the other end.
func withPeer(ctx context.Context, c net.Conn) context.Context {
	if pc, ok := c.(*peerConn); ok {
		return context.WithValue(ctx, peerKey{}, pc.peer)
	}
	return ctx
}

// connQueue is the listener h2 serves: the connections whose handshake
// succeeded, handed over one by one.
type connQueue struct {
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

func newConnQueue() *connQueue {
	return &connQueue{ch: make(chan net.Conn), done: make(chan struct{})}
}

// push hands c over; false once the queue is closed.
func (q *connQueue) push(c net.Conn) bool {
	select {
	case q.ch <- c:
		return true
	case <-q.done:
		return false
	}
}

func (q *connQueue) Accept() (net.Conn, error) {
	select {
	case c := <-q.ch:
		return c, nil
	case <-q.done:
		return nil, net.ErrClosed
	}
}

func (q *connQueue) Close() error {
	q.once.Do(func() { close(q.done) })
	return nil
}

func (q *connQueue) Addr() net.Addr { return queueAddr{} }

type queueAddr struct{}

func (queueAddr) Network() string { return "tunnel" }
func (queueAddr) String() string  { return "handshaken tunnel connections" }
