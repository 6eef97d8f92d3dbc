package syslog

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// conn is one connection to the receiver, used by the queue's goroutine only.
type conn struct {
	c   net.Conn
	tls *tls.Conn       // nil unless TLS
	raw syscall.RawConn // the TCP socket; nil for UDP
}

func (e *Exporter) dial(ctx context.Context) (*conn, error) {
	d := &net.Dialer{Timeout: e.cfg.DialTimeout, KeepAlive: 30 * time.Second}
	var (
		c   net.Conn
		err error
	)
	switch e.cfg.Transport {
	case UDP:
		c, err = d.DialContext(ctx, "udp", e.cfg.Address)
	case TCP:
		c, err = d.DialContext(ctx, "tcp", e.cfg.Address)
	case TLS:
		c, err = (&tls.Dialer{NetDialer: d, Config: e.tlsConfig}).DialContext(ctx, "tcp", e.cfg.Address)
	}
	if err != nil {
		return nil, fmt.Errorf("connect to syslog receiver %s: %w", e.cfg.Address, err)
	}
	cn := &conn{c: c}
	sock := c
	if t, ok := c.(*tls.Conn); ok {
		cn.tls, sock = t, t.NetConn()
	}
	if tcp, ok := sock.(*net.TCPConn); ok {
		if cn.raw, err = tcp.SyscallConn(); err != nil {
			_ = c.Close()
			return nil, fmt.Errorf("connect to syslog receiver %s: %w", e.cfg.Address, err)
		}
	}
	if err := cn.confirm(ctx); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("syslog receiver %s refused the connection: %w", e.cfg.Address, err)
	}
	return cn, nil
}

// settle is how long a new TLS 1.3 connection is watched for a refusal.
const settle = 250 * time.Millisecond

// confirm waits briefly for the receiver to refuse a new TLS 1.3
// connection: in TLS 1.3 the client finishes its handshake before the
// server has checked the client's certificate, so a refusal (an alert,
// then the close) only shows on a read. Without this, the first batch
// would be written into a connection the receiver never reads.
func (cn *conn) confirm(ctx context.Context) error {
	if cn.tls == nil || cn.tls.ConnectionState().Version < tls.VersionTLS13 {
		return nil
	}
	deadline := time.Now().Add(settle)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = cn.c.SetReadDeadline(deadline)
	defer func() { _ = cn.c.SetReadDeadline(time.Time{}) }()
	var buf [512]byte
	for {
		_, err := cn.c.Read(buf[:])
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// closedByPeer reports whether the receiver has closed or reset the
// connection. It peeks at the socket without blocking: syslog receivers
// send nothing, so pending bytes are TLS records (session tickets, or the
// close_notify before a close), which it reads through TLS.
func (cn *conn) closedByPeer() bool {
	if cn.raw == nil {
		return false
	}
	for range 8 {
		var (
			n    int
			rerr error
			buf  [1]byte
		)
		if err := cn.raw.Read(func(fd uintptr) bool {
			n, _, rerr = unix.Recvfrom(int(fd), buf[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
			return true
		}); err != nil {
			return true
		}
		switch {
		case errors.Is(rerr, unix.EAGAIN):
			return false // nothing pending: the receiver is there
		case rerr != nil || n == 0:
			return true // reset, or end of stream
		}
		if cn.drain() != nil {
			return true
		}
	}
	return false
}

// drain reads what is pending, briefly; an error other than the timeout
// means the connection is over.
func (cn *conn) drain() error {
	_ = cn.c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	defer func() { _ = cn.c.SetReadDeadline(time.Time{}) }()
	var buf [512]byte
	for {
		_, err := cn.c.Read(buf[:])
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// write sends the frames: one write for a stream, one datagram each for UDP.
func (cn *conn) write(ctx context.Context, frames [][]byte, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = cn.c.SetWriteDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = cn.c.SetWriteDeadline(time.Unix(1, 0)) })
	defer stop()
	if cn.raw == nil {
		for _, f := range frames {
			if _, err := cn.c.Write(f); err != nil {
				return err
			}
		}
		return nil
	}
	var n int
	for _, f := range frames {
		n += len(f)
	}
	buf := make([]byte, 0, n)
	for _, f := range frames {
		buf = append(buf, f...)
	}
	_, err := cn.c.Write(buf)
	return err
}

func (cn *conn) close() { _ = cn.c.Close() }
