package tunnel

import (
	"bytes"
	"context"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
)

// poolKey is what one pooled TLS connection speaks for.
type poolKey struct {
	source spiffeid.ID
	node   netip.AddrPort
	server spiffeid.ID
}

// pooledConn is one HTTP/2 client connection in the pool.
type pooledConn struct {
	key     poolKey
	cc      *http.ClientConn
	cert    []byte // the client leaf certificate it was opened with
	created time.Time

	// Guarded by pool.mu.
	streams   int
	draining  bool      // no new streams: the source's SVID rotated
	idleSince time.Time // when the last stream ended
}

// deadLocked reports a connection that can take no stream again: it
// failed, or it was closed or told to go away (a connection at its
// stream limit has streams in flight).
func (pc *pooledConn) deadLocked() bool {
	return pc.cc.Err() != nil || (pc.streams == 0 && pc.cc.Available() == 0)
}

// PoolInfo describes one pooled TLS connection, for zetactl.
type PoolInfo struct {
	Source  spiffeid.ID
	Node    netip.AddrPort
	Server  spiffeid.ID
	Created time.Time
	Streams int
	// Draining is set once the source's SVID rotated: the connection
	// takes no new streams and closes after its last.
	Draining bool
}

// dialCall is a dial in progress that other streams for the same key
// wait for instead of dialing too.
type dialCall struct {
	done chan struct{}
	err  error
}

// pool multiplexes streams over client connections, at most max streams
// on each, and closes connections idle for longer than idle.
type pool struct {
	max  int
	idle time.Duration
	dial func(ctx context.Context, key poolKey, svid *x509svid.SVID) (*pooledConn, error)

	mu    sync.Mutex
	conns map[poolKey][]*pooledConn
	dials map[poolKey]*dialCall
}

func newPool(maxStreams int, idle time.Duration, dial func(context.Context, poolKey, *x509svid.SVID) (*pooledConn, error)) *pool {
	return &pool{max: maxStreams, idle: idle, dial: dial, conns: make(map[poolKey][]*pooledConn), dials: make(map[poolKey]*dialCall)}
}

// get returns a connection with a stream reserved on it for the caller,
// who must release it.
func (p *pool) get(ctx context.Context, key poolKey, svid *x509svid.SVID) (*pooledConn, error) {
	cert := svid.Certificates[0].Raw
	for {
		p.mu.Lock()
		if pc := p.reserveLocked(key, cert); pc != nil {
			p.mu.Unlock()
			return pc, nil
		}
		if call := p.dials[key]; call != nil {
			p.mu.Unlock()
			select {
			case <-call.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if call.err != nil {
				return nil, call.err
			}
			continue
		}
		call := &dialCall{done: make(chan struct{})}
		p.dials[key] = call
		p.mu.Unlock()

		pc, err := p.dial(ctx, key, svid)
		p.mu.Lock()
		delete(p.dials, key)
		if err == nil {
			pc.streams = 1
			p.conns[key] = append(p.conns[key], pc)
		}
		call.err = err
		close(call.done)
		p.mu.Unlock()
		return pc, err
	}
}

// reserveLocked finds room for a stream on an open connection of key
// that was opened with cert; it drops dead connections on the way.
func (p *pool) reserveLocked(key poolKey, cert []byte) *pooledConn {
	conns := p.conns[key]
	var found *pooledConn
	kept := conns[:0]
	for _, pc := range conns {
		if !pc.draining && !bytes.Equal(pc.cert, cert) {
			pc.draining = true
		}
		if pc.deadLocked() || (pc.draining && pc.streams == 0) {
			_ = pc.cc.Close()
			continue
		}
		if found == nil && !pc.draining && pc.streams < p.max {
			if pc.cc.Reserve() == nil {
				pc.streams++
				found = pc
			} else if pc.streams == 0 {
				// Refused with nothing in flight: closed, or told to go
				// away.
				_ = pc.cc.Close()
				continue
			}
		}
		kept = append(kept, pc)
	}
	clear(conns[len(kept):])
	if len(kept) == 0 {
		delete(p.conns, key)
	} else {
		p.conns[key] = kept
	}
	return found
}

// release returns a stream's slot, and closes the connection when it was
// the last stream of a connection that takes no more.
func (p *pool) release(pc *pooledConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pc.streams--
	if pc.streams > 0 {
		return
	}
	pc.idleSince = time.Now()
	if pc.draining || pc.deadLocked() {
		_ = pc.cc.Close()
		p.dropLocked(pc)
	}
}

// retire releases a stream's slot on a connection that failed a
// request: it takes no new streams and closes after its last.
func (p *pool) retire(pc *pooledConn) {
	p.mu.Lock()
	pc.draining = true
	p.mu.Unlock()
	p.release(pc)
}

func (p *pool) dropLocked(pc *pooledConn) {
	conns := p.conns[pc.key]
	for i, c := range conns {
		if c == pc {
			conns = append(conns[:i], conns[i+1:]...)
			break
		}
	}
	if len(conns) == 0 {
		delete(p.conns, pc.key)
	} else {
		p.conns[pc.key] = conns
	}
}

// sweep closes connections without streams for longer than the idle
// timeout, and forgets those that failed by themselves (GOAWAY, a failed
// health ping) under keys nobody asked for since.
func (p *pool) sweep(now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var gone []*pooledConn
	for _, conns := range p.conns {
		for _, pc := range conns {
			if pc.deadLocked() || (pc.streams == 0 && now.Sub(pc.idleSince) > p.idle) {
				gone = append(gone, pc)
			}
		}
	}
	for _, pc := range gone {
		_ = pc.cc.Close()
		p.dropLocked(pc)
	}
}

func (p *pool) info() []PoolInfo {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []PoolInfo
	for _, conns := range p.conns {
		for _, pc := range conns {
			out = append(out, PoolInfo{
				Source: pc.key.source, Node: pc.key.node, Server: pc.key.server,
				Created: pc.created, Streams: pc.streams, Draining: pc.draining,
			})
		}
	}
	return out
}

// closeAll closes every connection, cutting their streams.
func (p *pool) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for key, conns := range p.conns {
		for _, pc := range conns {
			_ = pc.cc.Close()
		}
		delete(p.conns, key)
	}
}
