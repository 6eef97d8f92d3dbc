package tunnel

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
)

// Loopback addresses play the parts: the client pod, the server pod, the
// destination node's agent, the intercepting listener.
var (
	clientIP = netip.MustParseAddr("127.0.0.2")
	serverIP = netip.MustParseAddr("127.0.0.3")
	nodeIP   = netip.MustParseAddr("127.0.0.4")
	interIP  = netip.MustParseAddr("127.0.0.5")
)

// harness is an Outbound and an Inbound on loopback, with a client pod
// and an echo server pod, sharing one fake cluster and SVID source.
type harness struct {
	ca                 *testCA
	svids              *svids
	cl                 *cluster
	clientID, serverID spiffeid.ID
	echo               netip.AddrPort
	node               netip.AddrPort
	in                 *Inbound
	out                *Outbound
	accepts            *atomic.Int64 // TCP connections the Inbound accepted
	recs               *records
	logs               *lockedBuffer
}

func newHarness(t testing.TB, tweak func(*OutboundConfig, *InboundConfig)) *harness {
	t.Helper()
	h := &harness{
		ca:       newTestCA(t, "zeta.test"),
		cl:       newCluster(),
		clientID: spiffeid.RequireFromString("spiffe://zeta.test/ns/a/sa/client"),
		serverID: spiffeid.RequireFromString("spiffe://zeta.test/ns/b/sa/server"),
		recs:     &records{},
		logs:     &lockedBuffer{},
	}
	h.svids = newSVIDs(h.ca.bundle())
	h.svids.set(h.ca.issue(t, h.clientID.String(), svidOpts{}))
	h.svids.set(h.ca.issue(t, h.serverID.String(), svidOpts{}))
	h.echo = startServer(t, serverIP, echo)
	h.cl.addPod(clientIP, Workload{ID: h.clientID, Namespace: "a", Pod: "client"})
	h.cl.addPod(serverIP, Workload{ID: h.serverID, Namespace: "b", Pod: "server"})
	h.cl.allow(h.clientID, h.echo.Port(), true)

	log := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	t.Cleanup(func() {
		if t.Failed() {
			h.logs.mu.Lock()
			t.Logf("tunnel log:\n%s", h.logs.b.String())
			h.logs.mu.Unlock()
		}
	})
	oc := OutboundConfig{Resolver: h.cl, SVIDs: h.svids, Record: h.recs.add, Log: log}
	ic := InboundConfig{
		TrustDomain: h.ca.td, SVIDs: h.svids, Pods: h.cl, Authorizer: h.cl,
		Record: h.recs.add, Log: log,
	}
	if tweak != nil {
		tweak(&oc, &ic)
	}
	var err error
	if h.out, err = NewOutbound(oc); err != nil {
		t.Fatal(err)
	}
	if h.in, err = NewInbound(ic); err != nil {
		t.Fatal(err)
	}
	ln := listen(t, nodeIP)
	h.node = addrPort(ln.Addr())
	cl := &countingListener{Listener: ln, n: new(atomic.Int64)}
	h.accepts = cl.n
	serveUntilCleanup(t, func(ctx context.Context) error { return h.in.Serve(ctx, cl) }, h.in.Close)
	h.cl.route(h.echo, Route{Node: h.node, Workload: Workload{ID: h.serverID, Namespace: "b", Pod: "server"}, MutualTLS: true})
	t.Cleanup(func() { _ = h.out.Close() })
	return h
}

// intercept returns the address of a listener whose connections the
// Outbound sees as intercepted on their way to dst.
func (h *harness) intercept(t testing.TB, dst netip.AddrPort) string {
	t.Helper()
	ln := &transparentListener{Listener: listen(t, interIP), dst: dst}
	serveUntilCleanup(t, func(ctx context.Context) error { return h.out.Serve(ctx, ln) }, nil)
	return ln.Addr().String()
}

// dial connects from the client pod's address.
func dialFrom(t testing.TB, src netip.Addr, addr string) *net.TCPConn {
	t.Helper()
	d := net.Dialer{LocalAddr: net.TCPAddrFromAddrPort(netip.AddrPortFrom(src, 0)), Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c.(*net.TCPConn)
}

func listen(t testing.TB, ip netip.Addr) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", netip.AddrPortFrom(ip, 0).String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	return ln
}

// serveUntilCleanup runs serve and, at cleanup, stops it and checks that
// it returned cleanly.
func serveUntilCleanup(t testing.TB, serve func(context.Context) error, closer func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if closer != nil {
			_ = closer()
		}
		if err := <-done; err != nil && !errors.Is(err, ErrClosed) {
			t.Errorf("serve: %v", err)
		}
	})
}

// startServer runs a pod's TCP server on ip.
func startServer(t testing.TB, ip netip.Addr, handle func(*net.TCPConn)) netip.AddrPort {
	t.Helper()
	ln := listen(t, ip)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				handle(c.(*net.TCPConn))
			}()
		}
	}()
	return addrPort(ln.Addr())
}

// echo sends back what it reads and half-closes after the client did.
func echo(c *net.TCPConn) {
	if _, err := io.Copy(c, c); err == nil {
		_ = c.CloseWrite()
	}
}

// transparentListener stands in for an IP_TRANSPARENT listener: its
// connections report the original destination as their local address.
type transparentListener struct {
	net.Listener
	dst netip.AddrPort
}

func (l *transparentListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return redirected{TCPConn: c.(*net.TCPConn), local: net.TCPAddrFromAddrPort(l.dst)}, nil
}

type redirected struct {
	*net.TCPConn
	local net.Addr
}

func (r redirected) LocalAddr() net.Addr { return r.local }

type countingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// records collects what the tunnel reports.
type records struct {
	mu   sync.Mutex
	list []Record
}

func (r *records) add(rec Record) {
	r.mu.Lock()
	r.list = append(r.list, rec)
	r.mu.Unlock()
}

func (r *records) reset() {
	r.mu.Lock()
	r.list = nil
	r.mu.Unlock()
}

// wait returns the first record that match accepts, failing the test
// after a few seconds.
func (r *records) wait(t testing.TB, what string, match func(Record) bool) Record {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		for _, rec := range r.list {
			if match(rec) {
				r.mu.Unlock()
				return rec
			}
		}
		r.mu.Unlock()
		time.Sleep(5 * time.Millisecond)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	t.Fatalf("no record %s among %+v", what, r.list)
	return Record{}
}

func egress(rec Record) bool  { return rec.Direction == Egress }
func ingress(rec Record) bool { return rec.Direction == Ingress }

// lockedBuffer is the log, written by many goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// wait fails the test unless the log gets a line with every part.
func (l *lockedBuffer) wait(t testing.TB, parts ...string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		l.mu.Lock()
		lines := strings.Split(l.b.String(), "\n")
		l.mu.Unlock()
		for _, line := range lines {
			if containsAll(line, parts) {
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	t.Fatalf("no log line with %q in:\n%s", parts, l.b.String())
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
