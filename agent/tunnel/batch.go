package tunnel

import (
	"bufio"
	"crypto/tls"
	"net"
	"sync"
)

// maxBatch bounds what a batch holds before it is written anyway.
const maxBatch = 256 << 10

// readBuffer is what one read(2) under TLS may take in.
const readBuffer = 64 << 10

// batchConn sits under a tls.Conn. Go's TLS writes every record of at
// most 16 KiB with its own write(2), and reads about one record per
// read(2). Between begin and flush, batchConn gathers the records, so
// that one large HTTP/2 DATA frame leaves in one system call; writes
// from elsewhere (alerts, key updates from the read side) join a batch
// in progress, which keeps the records in the order TLS wrote them. Its
// reads go through a buffer, so that one system call takes in several
// records.
type batchConn struct {
	net.Conn
	r *bufio.Reader // used by TLS's reader only

	mu       sync.Mutex
	batching bool
	buf      []byte
}

func (b *batchConn) Read(p []byte) (int, error) { return b.r.Read(p) }

func (b *batchConn) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.batching {
		return b.Conn.Write(p)
	}
	// TLS reuses p once Write returns: keep a copy.
	b.buf = append(b.buf, p...)
	if len(b.buf) >= maxBatch {
		if err := b.writeLocked(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

func (b *batchConn) begin() {
	b.mu.Lock()
	b.batching = true
	b.mu.Unlock()
}

func (b *batchConn) flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.batching = false
	return b.writeLocked()
}

func (b *batchConn) writeLocked() error {
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.Conn.Write(b.buf)
	b.buf = b.buf[:0]
	return err
}

// batchTLS is a TLS connection whose every Write is one batch.
type batchTLS struct {
	*tls.Conn
	raw *batchConn
	wmu sync.Mutex
}

// newBatchTLS wraps raw for TLS with mk (tls.Client or tls.Server).
func newBatchTLS(raw net.Conn, mk func(net.Conn) *tls.Conn) *batchTLS {
	b := &batchConn{Conn: raw, r: bufio.NewReaderSize(raw, readBuffer)}
	return &batchTLS{Conn: mk(b), raw: b}
}

func (c *batchTLS) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.raw.begin()
	n, err := c.Conn.Write(p)
	if ferr := c.raw.flush(); ferr != nil && err == nil {
		return 0, ferr
	}
	return n, err
}
