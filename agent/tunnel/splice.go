package tunnel

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
)

// copyBufSize is the copy buffer: large enough that TLS records and
// HTTP/2 DATA frames stay full under bulk transfer.
const copyBufSize = 64 << 10

var copyBufs = sync.Pool{New: func() any { b := make([]byte, copyBufSize); return &b }}

// copyCounted copies src to dst until src's EOF (nil) or an error, adding
// what it wrote to n and marking s active.
func (s *stream) copyCounted(dst io.Writer, src io.Reader, n *atomic.Uint64) error {
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	buf := *bp
	for {
		nr, rerr := src.Read(buf)
		if nr > 0 {
			nw, werr := dst.Write(buf[:nr])
			n.Add(uint64(nw))
			s.touch()
			if werr != nil {
				return werr
			}
			if nw != nr {
				return io.ErrShortWrite
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return rerr
		}
	}
}

// closeWrite half-closes c (a FIN), or closes it when it cannot.
func closeWrite(c net.Conn) error {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return c.Close()
}

// abortConn closes c with a reset, so that its peer sees the connection
// fail rather than end cleanly.
func abortConn(c net.Conn) {
	if tc, ok := c.(interface{ SetLinger(int) error }); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}

// spliceConns copies between the connections src (the source's side)
// and dst both ways, passing each half-close on, until both directions
// ended; an error either way aborts both connections.
func (s *stream) spliceConns(src, dst net.Conn) error {
	upc := make(chan error, 1)
	go func() {
		err := s.copyCounted(dst, src, &s.toDst)
		if err == nil {
			err = closeWrite(dst)
		}
		if err != nil {
			abortConn(src)
			abortConn(dst)
		}
		upc <- err
	}()
	err := s.copyCounted(src, dst, &s.toSrc)
	if err == nil {
		err = closeWrite(src)
	}
	if err != nil {
		abortConn(src)
		abortConn(dst)
	}
	if uerr := <-upc; err == nil {
		err = uerr
	}
	return err
}
