package tunnel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
)

// echoOnce sends msg and expects it back, leaving c open.
func echoOnce(t *testing.T, c *net.TCPConn, msg string) {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatalf("write: %v", err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != msg {
		t.Fatalf("echo %q, %v; want %q", got, err, msg)
	}
}

// waitReset fails the test unless c's next read fails with a reset.
func waitReset(t *testing.T, c *net.TCPConn) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadAll(c); err == nil || !isReset(err) {
		t.Fatalf("read ended with %v, want a connection reset", err)
	}
}

func TestReauthorizeClosesDeniedStreams(t *testing.T) {
	h := newHarness(t, nil)
	other := startServer(t, serverIP, echo)
	h.cl.route(other, Route{Node: h.node, Workload: Workload{ID: h.serverID}, MutualTLS: true})
	h.cl.allow(h.clientID, other.Port(), true)
	denied := dialFrom(t, clientIP, h.intercept(t, h.echo))
	kept := dialFrom(t, clientIP, h.intercept(t, other))
	echoOnce(t, denied, "a")
	echoOnce(t, kept, "b")

	h.in.Reauthorize() // nothing changed: nothing cut
	echoOnce(t, denied, "c")

	h.cl.allow(h.clientID, h.echo.Port(), false)
	h.in.Reauthorize()
	waitReset(t, denied)
	r := h.recs.wait(t, "revoked stream", deniedIngress)
	if r.DropReason != ReasonPolicyRevoked || r.Policy != "test/default-deny" || r.Destination.Port != h.echo.Port() || r.BytesToDestination != 2 {
		t.Errorf("record: %+v", r)
	}
	h.logs.wait(t, "tunnel stream closed by policy", "reason="+ReasonPolicyRevoked, "rule=test/default-deny")
	echoOnce(t, kept, "still allowed")
	if n := len(h.in.Connections()); n != 1 {
		t.Errorf("%d live inbound streams, want the allowed one", n)
	}
}

func TestReauthorizeAfterTrustBundleChange(t *testing.T) {
	h := newHarness(t, nil)
	c := dialFrom(t, clientIP, h.intercept(t, h.echo))
	echoOnce(t, c, "a")
	// The trust domain's CA is replaced by one that did not sign the
	// client's certificate.
	h.svids.bundles.Add(x509bundle.FromX509Authorities(h.ca.td, newTestCA(t, "zeta.test").bundle().X509Authorities()))
	h.in.Reauthorize()
	waitReset(t, c)
	r := h.recs.wait(t, "revoked trust", deniedIngress)
	if r.DropReason != ReasonTrustRevoked {
		t.Errorf("record: %+v", r)
	}
}

func TestRotationKeepsLiveStreams(t *testing.T) {
	h := newHarness(t, nil)
	addr := h.intercept(t, h.echo)
	old := dialFrom(t, clientIP, addr)
	echoOnce(t, old, "before")
	oldSerial := h.svids.byID[h.clientID].Certificates[0].SerialNumber

	rotated := h.ca.issue(t, h.clientID.String(), svidOpts{})
	h.svids.set(rotated)
	fresh := dialFrom(t, clientIP, addr)
	echoOnce(t, fresh, "after")
	echoOnce(t, old, "old stream still flows")

	if n := h.accepts.Load(); n != 2 {
		t.Errorf("%d TLS connections, want a new one for the rotated SVID", n)
	}
	serials := map[string]bool{}
	h.in.peersMu.Lock()
	for p := range h.in.peers {
		serials[p.chain[0].SerialNumber.String()] = true
	}
	h.in.peersMu.Unlock()
	if !serials[oldSerial.String()] || !serials[rotated.Certificates[0].SerialNumber.String()] || len(serials) != 2 {
		t.Errorf("server sees client serials %v, want the old %s and the new %s", serials, oldSerial, rotated.Certificates[0].SerialNumber)
	}
	draining := 0
	for _, p := range h.out.Pool() {
		if p.Draining {
			draining++
		}
	}
	if len(h.out.Pool()) != 2 || draining != 1 {
		t.Errorf("pool %+v, want the old connection draining beside the new", h.out.Pool())
	}
	if got := roundTrip(t, old, nil); len(got) != 0 {
		t.Errorf("got %q", got)
	}
	waitFor(t, "the old connection closed after its last stream", func() bool { return len(h.out.Pool()) == 1 })
}

func TestIdleStreamsClosed(t *testing.T) {
	h := newHarness(t, func(_ *OutboundConfig, i *InboundConfig) { i.IdleTimeout = 100 * time.Millisecond })
	c := dialFrom(t, clientIP, h.intercept(t, h.echo))
	echoOnce(t, c, "a")
	waitReset(t, c)
	r := h.recs.wait(t, "idle stream", ingress)
	if r.Verdict != Allowed || r.Error != "idle for 100ms" {
		t.Errorf("record: %+v", r)
	}
}

func TestPassThrough(t *testing.T) {
	h := newHarness(t, nil)
	plain := startServer(t, serverIP, echo)
	h.cl.route(plain, Route{Workload: Workload{Namespace: "b", Pod: "server"}})
	c := dialFrom(t, clientIP, h.intercept(t, plain))
	if got := roundTrip(t, c, []byte("plain")); string(got) != "plain" {
		t.Fatalf("got %q", got)
	}
	r := h.recs.wait(t, "pass-through", egress)
	if r.Verdict != Allowed || r.Tunnel.IsValid() || r.BytesToSource != 5 || r.Destination.SPIFFEID != "" {
		t.Errorf("record: %+v", r)
	}
	if n := h.accepts.Load(); n != 0 {
		t.Errorf("%d tunnel connections for a pass-through", n)
	}
}

func TestShutdownDrainsThenCuts(t *testing.T) {
	h := newHarness(t, nil)
	c := dialFrom(t, clientIP, h.intercept(t, h.echo))
	echoOnce(t, c, "a")

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- h.in.Shutdown(ctx) }()
	echoOnce(t, c, "draining") // a live stream keeps working meanwhile
	if _, err := net.DialTimeout("tcp", h.node.String(), time.Second); err == nil {
		t.Error("the Inbound accepts new connections while shutting down")
	}
	if err := <-done; !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v, want the deadline exceeded", err)
	}
	waitReset(t, c)
	if err := h.in.Serve(context.Background(), listen(t, nodeIP)); !errors.Is(err, ErrClosed) {
		t.Errorf("Serve after Shutdown = %v", err)
	}
}

func TestShutdownWithoutStreams(t *testing.T) {
	h := newHarness(t, nil)
	h.stillServes(t, h.intercept(t, h.echo))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.in.Shutdown(ctx); err != nil {
		t.Errorf("Inbound.Shutdown = %v", err)
	}
	if err := h.out.Shutdown(ctx); err != nil {
		t.Errorf("Outbound.Shutdown = %v", err)
	}
}

func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Run("traffic", func(t *testing.T) {
		h := newHarness(t, nil)
		addr := h.intercept(t, h.echo)
		for i := range 5 {
			h.stillServes(t, addr)
			c := dialFrom(t, clientIP, addr)
			echoOnce(t, c, fmt.Sprint(i))
		}
	})
	waitFor(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= before })
}

func TestPoolClosesIdleConnections(t *testing.T) {
	h := newHarness(t, func(o *OutboundConfig, _ *InboundConfig) { o.PoolIdleTimeout = 100 * time.Millisecond })
	h.stillServes(t, h.intercept(t, h.echo))
	if n := len(h.out.Pool()); n != 1 {
		t.Fatalf("%d pooled connections, want 1", n)
	}
	waitFor(t, "the idle pooled connection closed", func() bool { return len(h.out.Pool()) == 0 })
	waitFor(t, "the Inbound to see it go", func() bool {
		h.in.peersMu.Lock()
		defer h.in.peersMu.Unlock()
		return len(h.in.peers) == 0
	})
}

// A pooled connection whose server went away is replaced, not reused.
func TestPoolReplacesDeadConnections(t *testing.T) {
	h := newHarness(t, nil)
	addr := h.intercept(t, h.echo)
	h.stillServes(t, addr)
	if err := h.in.Close(); err != nil {
		t.Fatal(err)
	}
	in, err := NewInbound(h.in.cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", h.node.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	serveUntilCleanup(t, func(ctx context.Context) error { return in.Serve(ctx, ln) }, in.Close)
	restarted := time.Now()
	h.stillServes(t, addr)
	var pool []PoolInfo
	defer func() {
		if t.Failed() {
			t.Logf("pool %+v, restarted %s", pool, restarted)
		}
	}()
	waitFor(t, "one new pooled connection, idle", func() bool {
		pool = h.out.Pool()
		return len(pool) == 1 && pool[0].Streams == 0 && pool[0].Created.After(restarted)
	})
}
