package tunnel

import (
	"io"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"
)

// quiet drops the harness's debug log, which would grow with b.N.
func quiet(o *OutboundConfig, i *InboundConfig) { o.Log, i.Log = nil, nil }

// sink reads everything and answers one byte once the client is done.
func sink(c *net.TCPConn) {
	if _, err := io.Copy(io.Discard, c); err == nil {
		_, _ = c.Write([]byte{1})
	}
}

// cpuTime is the process's user and system time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchThroughput sends b.N chunks one way over c and waits until the
// receiver has them all. Besides the rate it reports the CPU time per
// MiB of every party in the process, which a busy machine distorts less
// than the rate.
func benchThroughput(b *testing.B, c *net.TCPConn) {
	chunk := make([]byte, 256<<10)
	b.SetBytes(int64(len(chunk)))
	b.ResetTimer()
	start := cpuTime(b)
	defer func() {
		mib := float64(b.N) * float64(len(chunk)) / (1 << 20)
		b.ReportMetric(float64(cpuTime(b)-start)/1e3/mib, "cpu-µs/MiB")
	}()
	for range b.N {
		if _, err := c.Write(chunk); err != nil {
			b.Fatal(err)
		}
	}
	if err := c.CloseWrite(); err != nil {
		b.Fatal(err)
	}
	if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkThroughput is one connection's bulk throughput, directly to
// the pod and through Outbound and Inbound over loopback; the ratio of
// the two is the tunnel's cost (TLS 1.3 AES-GCM and HTTP/2 framing).
func BenchmarkThroughput(b *testing.B) {
	b.Run("direct", func(b *testing.B) {
		dst := startServer(b, serverIP, sink)
		benchThroughput(b, dialFrom(b, clientIP, dst.String()))
	})
	b.Run("tunnel", func(b *testing.B) {
		h := newHarness(b, quiet)
		dst := startServer(b, serverIP, sink)
		h.cl.route(dst, Route{Node: h.node, Workload: Workload{ID: h.serverID}, MutualTLS: true})
		h.cl.allow(h.clientID, dst.Port(), true)
		benchThroughput(b, dialFrom(b, clientIP, h.intercept(b, dst)))
	})
}

// BenchmarkLatency is the round trip of one byte on an established
// connection, directly and through the tunnel.
func BenchmarkLatency(b *testing.B) {
	pingPong := func(b *testing.B, c *net.TCPConn) {
		buf := []byte{0}
		b.ResetTimer()
		for range b.N {
			if _, err := c.Write(buf); err != nil {
				b.Fatal(err)
			}
			if _, err := io.ReadFull(c, buf); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("direct", func(b *testing.B) {
		pingPong(b, dialFrom(b, clientIP, startServer(b, serverIP, echo).String()))
	})
	b.Run("tunnel", func(b *testing.B) {
		h := newHarness(b, quiet)
		pingPong(b, dialFrom(b, clientIP, h.intercept(b, h.echo)))
	})
}

// BenchmarkStreamSetup is a new intercepted connection's first round
// trip: over a pooled TLS connection (one new HTTP/2 stream) and over a
// fresh one (TCP, a TLS 1.3 handshake with two SVID verifications, the
// HTTP/2 preface, then the stream).
func BenchmarkStreamSetup(b *testing.B) {
	for _, fresh := range []bool{false, true} {
		name := "pooled"
		if fresh {
			name = "fresh"
		}
		b.Run(name, func(b *testing.B) {
			h := newHarness(b, quiet)
			addr := h.intercept(b, h.echo)
			d := net.Dialer{LocalAddr: net.TCPAddrFromAddrPort(netip.AddrPortFrom(clientIP, 0)), Timeout: 5 * time.Second}
			buf := []byte{0}
			b.ResetTimer()
			for range b.N {
				if fresh {
					h.out.pool.closeAll()
				}
				c, err := d.Dial("tcp", addr)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := c.Write(buf); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(c, buf); err != nil {
					b.Fatal(err)
				}
				_ = c.Close()
			}
		})
	}
}
