package tunnel

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// roundTrip writes msg, half-closes and reads everything back.
func roundTrip(t testing.TB, c *net.TCPConn, msg []byte) []byte {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	errc := make(chan error, 1)
	go func() {
		_, err := c.Write(msg)
		if err == nil {
			err = c.CloseWrite()
		}
		errc <- err
	}()
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("write: %v", err)
	}
	return got
}

func TestTunnelEcho(t *testing.T) {
	h := newHarness(t, nil)
	c := dialFrom(t, clientIP, h.intercept(t, h.echo))

	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("echo = %q, %v", buf, err)
	}
	// Live on both sides meanwhile.
	if n, m := len(h.out.Connections()), len(h.in.Connections()); n != 1 || m != 1 {
		t.Fatalf("live connections: outbound %d, inbound %d; want 1 and 1", n, m)
	}
	live := h.in.Connections()[0]
	if live.Source.SPIFFEID != h.clientID.String() || live.Destination.SPIFFEID != h.serverID.String() || live.Verdict != Allowed {
		t.Errorf("inbound live connection = %+v", live)
	}
	// The count follows the write that the echo already answered.
	waitFor(t, "4 bytes counted", func() bool { return h.in.Connections()[0].BytesToDestination == 4 })
	if got := roundTrip(t, c, []byte(" pong")); string(got) != " pong" {
		t.Fatalf("after half-close got %q", got)
	}

	out := h.recs.wait(t, "egress", egress)
	in := h.recs.wait(t, "ingress", ingress)
	for _, r := range []Record{out, in} {
		if r.Verdict != Allowed || r.DropReason != "" || r.Error != "" {
			t.Errorf("%s record: verdict %s reason %q error %q", r.Direction, r.Verdict, r.DropReason, r.Error)
		}
		if r.Source.SPIFFEID != h.clientID.String() || r.Destination.SPIFFEID != h.serverID.String() {
			t.Errorf("%s record IDs: %s → %s", r.Direction, r.Source.SPIFFEID, r.Destination.SPIFFEID)
		}
		if r.Source.IP != clientIP || r.Destination.IP != serverIP || r.Destination.Port != h.echo.Port() {
			t.Errorf("%s record addresses: %s:%d → %s:%d", r.Direction, r.Source.IP, r.Source.Port, r.Destination.IP, r.Destination.Port)
		}
		if r.BytesToDestination != 9 || r.BytesToSource != 9 {
			t.Errorf("%s record bytes: %d to destination, %d to source; want 9 and 9", r.Direction, r.BytesToDestination, r.BytesToSource)
		}
		if r.End.Before(r.Start) || r.Start.IsZero() {
			t.Errorf("%s record times: %s to %s", r.Direction, r.Start, r.End)
		}
	}
	if out.Tunnel != h.node || out.Destination.Pod != "server" || out.Source.Pod != "client" {
		t.Errorf("egress record: %+v", out)
	}
	if in.Policy != "test/allow" || in.Source.Port == 0 {
		t.Errorf("ingress record: policy %q, source port %d", in.Policy, in.Source.Port)
	}
	waitFor(t, "no live connections", func() bool { return len(h.out.Connections())+len(h.in.Connections()) == 0 })
}

func TestTunnelLargePayload(t *testing.T) {
	h := newHarness(t, nil)
	c := dialFrom(t, clientIP, h.intercept(t, h.echo))
	payload := make([]byte, 16<<20)
	if _, err := rand.Read(payload); err != nil {
		t.Fatal(err)
	}
	got := roundTrip(t, c, payload)
	if len(got) != len(payload) || sha256.Sum256(got) != sha256.Sum256(payload) {
		t.Fatalf("got %d bytes back, want the %d sent, unchanged", len(got), len(payload))
	}
	r := h.recs.wait(t, "ingress", ingress)
	if r.BytesToDestination != uint64(len(payload)) || r.BytesToSource != uint64(len(payload)) {
		t.Errorf("ingress record counts %d/%d bytes, want %d each way", r.BytesToDestination, r.BytesToSource, len(payload))
	}
}

// A pod that speaks first and closes: its FIN reaches the client after
// the data, and the client's own bytes were still delivered before.
func TestTunnelServerClosesFirst(t *testing.T) {
	h := newHarness(t, nil)
	greeter := startServer(t, serverIP, func(c *net.TCPConn) {
		_, _ = c.Write([]byte("220 ready\r\n"))
		_ = c.CloseWrite()
		_, _ = io.Copy(io.Discard, c)
	})
	h.cl.route(greeter, Route{Node: h.node, Workload: Workload{ID: h.serverID}, MutualTLS: true})
	h.cl.allow(h.clientID, greeter.Port(), true)
	c := dialFrom(t, clientIP, h.intercept(t, greeter))
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "220 ready\r\n" {
		t.Fatalf("read %q, %v; want the greeting and EOF", got, err)
	}
}

func TestTunnelPoolsStreams(t *testing.T) {
	for _, tc := range []struct {
		name              string
		maxStreams, conns int
	}{
		{"one connection", 0, 1},
		{"capped at 10", 10, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(o *OutboundConfig, _ *InboundConfig) { o.MaxStreamsPerConn = tc.maxStreams })
			addr := h.intercept(t, h.echo)
			const streams = 50
			conns := make([]*net.TCPConn, streams)
			var wg sync.WaitGroup
			for i := range streams {
				conns[i] = dialFrom(t, clientIP, addr)
				wg.Go(func() {
					msg := []byte{byte(i)}
					if _, err := conns[i].Write(msg); err != nil {
						t.Error(err)
						return
					}
					got := make([]byte, 1)
					if _, err := io.ReadFull(conns[i], got); err != nil || !bytes.Equal(got, msg) {
						t.Errorf("stream %d echoed %v, %v", i, got, err)
					}
				})
			}
			wg.Wait()
			// Every stream is open at once now.
			if n := h.accepts.Load(); n != int64(tc.conns) {
				t.Errorf("inbound accepted %d TLS connections for %d concurrent streams, want %d", n, streams, tc.conns)
			}
			pool := h.out.Pool()
			total := 0
			for _, p := range pool {
				total += p.Streams
				if p.Source != h.clientID || p.Server != h.serverID || p.Node != h.node {
					t.Errorf("pooled connection %+v", p)
				}
			}
			if len(pool) != tc.conns || total != streams {
				t.Errorf("pool has %d connections with %d streams, want %d with %d", len(pool), total, tc.conns, streams)
			}
			for _, c := range conns {
				if got := roundTrip(t, c, []byte("x")); string(got) != "x" {
					t.Errorf("got %q", got)
				}
			}
		})
	}
}

// waitFor polls cond for a few seconds.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
