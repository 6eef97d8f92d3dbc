package load

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"
)

// Timeout bounds one connection attempt and each RR or CRR run's I/O.
const Timeout = 30 * time.Second

// RR times n one-byte exchanges on one connection to addr, after warmup
// uncounted ones.
func RR(ctx context.Context, addr string, warmup, n int) (Result, error) {
	conn, err := dial(ctx, addr)
	if err != nil {
		return Result{}, fmt.Errorf("rr: %w", err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(Timeout)); err != nil {
		return Result{}, fmt.Errorf("rr: %w", err)
	}
	buf := make([]byte, 1)
	samples := make([]time.Duration, 0, n)
	for i := range warmup + n {
		start := time.Now()
		if err := exchange(conn, buf); err != nil {
			return Result{}, fmt.Errorf("rr: exchange %d: %w", i, err)
		}
		if i >= warmup {
			samples = append(samples, time.Since(start))
		}
	}
	return Summarize(samples), nil
}

// CRR times n rounds of: connect to addr, exchange one byte, close; after
// warmup uncounted rounds.
func CRR(ctx context.Context, addr string, warmup, n int) (Result, error) {
	buf := make([]byte, 1)
	samples := make([]time.Duration, 0, n)
	for i := range warmup + n {
		start := time.Now()
		if err := connectOnce(ctx, addr, buf); err != nil {
			return Result{}, fmt.Errorf("crr: round %d: %w", i, err)
		}
		if i >= warmup {
			samples = append(samples, time.Since(start))
		}
	}
	return Summarize(samples), nil
}

func connectOnce(ctx context.Context, addr string, buf []byte) error {
	conn, err := dial(ctx, addr)
	if err != nil {
		return err
	}
	if err := conn.SetDeadline(time.Now().Add(Timeout)); err != nil {
		return errors.Join(err, conn.Close())
	}
	if err := exchange(conn, buf); err != nil {
		return errors.Join(err, conn.Close())
	}
	return conn.Close()
}

func dial(ctx context.Context, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: Timeout}
	d.SetMultipathTCP(false)
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	return conn, nil
}

// exchange writes buf's byte and reads one back.
func exchange(conn net.Conn, buf []byte) error {
	if _, err := conn.Write(buf); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if _, err := conn.Read(buf); err != nil {
		return fmt.Errorf("read: %w", err)
	}
	return nil
}
