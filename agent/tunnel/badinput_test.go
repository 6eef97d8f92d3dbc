package tunnel

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
)

// tunnelTLS dials the Inbound with cfg and speaks HTTP/2 on the result.
func (h *harness) tunnelTLS(t *testing.T, cfg *tls.Config) (*http.ClientConn, error) {
	t.Helper()
	raw, err := net.Dial("tcp", h.node.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = raw.Close() })
	tc := tls.Client(raw, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	tr := &http.Transport{Protocols: h2Only(), DialContext: establishedConn}
	return tr.NewClientConn(context.WithValue(ctx, establishedKey{}, net.Conn(tc)), "http", h.node.String())
}

// connect sends one request on cc and returns the answer.
func connect(cc *http.ClientConn, method, authority string) (*http.Response, error) {
	req := &http.Request{Method: method, URL: &url.URL{Scheme: "https", Host: authority, Path: "/"}, Host: authority, Header: http.Header{}}
	if method == http.MethodConnect {
		req.URL = &url.URL{Host: authority}
		req.Body = io.NopCloser(strings.NewReader(""))
	}
	return cc.RoundTrip(req)
}

// stillServes fails the test unless a good tunnelled round trip works.
func (h *harness) stillServes(t *testing.T, addr string) {
	t.Helper()
	if got := roundTrip(t, dialFrom(t, clientIP, addr), []byte("still here")); string(got) != "still here" {
		t.Fatalf("after the bad input, a good connection echoed %q", got)
	}
}

func TestInboundRefusesBadHandshakes(t *testing.T) {
	h := newHarness(t, func(_ *OutboundConfig, i *InboundConfig) { i.HandshakeTimeout = 2 * time.Second })
	addr := h.intercept(t, h.echo)
	evil := newTestCA(t, "evil.test")
	rogue := newTestCA(t, "zeta.test") // the right name, not the right key
	withSVID := func(s *x509svid.SVID) func() *tls.Config {
		return func() *tls.Config { return clientTLS(s, h.svids.Bundles(), h.serverID) }
	}
	cases := []struct {
		name   string
		client func() *tls.Config // nil: raw bytes instead of TLS
		raw    []byte
		setup  func()
		reason string
	}{
		{name: "garbage", raw: []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), reason: ReasonHandshake},
		{name: "binary garbage", raw: []byte{0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5}, reason: ReasonHandshake},
		{name: "silence until the handshake times out", raw: []byte{}, reason: ReasonHandshake},
		{name: "foreign trust domain", client: withSVID(evil.issue(t, "spiffe://evil.test/ns/a/sa/client", svidOpts{})), reason: ReasonTrustDomain},
		{
			name:   "foreign trust domain with a federated bundle",
			setup:  func() { h.svids.bundles.Add(evil.bundle()) },
			client: withSVID(evil.issue(t, "spiffe://evil.test/ns/a/sa/client", svidOpts{})), reason: ReasonTrustDomain,
		},
		{name: "expired certificate", client: withSVID(h.ca.issue(t, h.clientID.String(), svidOpts{notAfter: time.Now().Add(-time.Minute)})), reason: ReasonExpired},
		{name: "no URI SAN", client: withSVID(h.ca.issue(t, "", svidOpts{noURI: true})), reason: ReasonNoSPIFFEID},
		{name: "chain from another CA", client: withSVID(rogue.issue(t, h.clientID.String(), svidOpts{})), reason: ReasonUntrusted},
		{name: "no client certificate", client: func() *tls.Config {
			c := clientTLS(h.ca.issue(t, h.clientID.String(), svidOpts{}), h.svids.Bundles(), h.serverID)
			c.Certificates = nil
			return c
		}, reason: ReasonHandshake},
		{name: "TLS 1.2", client: func() *tls.Config {
			c := clientTLS(h.ca.issue(t, h.clientID.String(), svidOpts{}), h.svids.Bundles(), h.serverID)
			c.MinVersion, c.MaxVersion = tls.VersionTLS12, tls.VersionTLS12
			return c
		}, reason: ReasonHandshake},
		{name: "no h2", client: func() *tls.Config {
			c := clientTLS(h.ca.issue(t, h.clientID.String(), svidOpts{}), h.svids.Bundles(), h.serverID)
			c.NextProtos = []string{"http/1.1"}
			return c
		}, reason: ReasonHandshake},
		{name: "server name of no local workload", client: func() *tls.Config {
			return clientTLS(h.ca.issue(t, h.clientID.String(), svidOpts{}), h.svids.Bundles(), spiffeid.RequireFromString("spiffe://zeta.test/ns/x/sa/elsewhere"))
		}, reason: ReasonUnknownServer},
		{name: "server name that is no SPIFFE ID", client: func() *tls.Config {
			c := clientTLS(h.ca.issue(t, h.clientID.String(), svidOpts{}), h.svids.Bundles(), h.serverID)
			c.ServerName = "www.example.com"
			return c
		}, reason: ReasonUnknownServer},
		{name: "revoked identity", setup: func() { h.svids.revoked[h.clientID] = true },
			client: withSVID(h.ca.issue(t, h.clientID.String(), svidOpts{})), reason: ReasonRevoked},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h.recs.reset()
			if tc.setup != nil {
				tc.setup()
			}
			t.Cleanup(func() {
				h.svids.bundles.Remove(evil.td)
				h.svids.mu.Lock()
				clear(h.svids.revoked)
				h.svids.mu.Unlock()
			})
			if tc.client == nil {
				c := dialFrom(t, clientIP, h.node.String())
				if _, err := c.Write(tc.raw); err != nil {
					t.Fatal(err)
				}
				_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
				if _, err := io.Copy(io.Discard, c); err != nil && !errors.Is(err, net.ErrClosed) && !isReset(err) {
					t.Fatalf("the server did not close the connection: %v", err)
				}
			} else {
				cc, err := h.tunnelTLS(t, tc.client())
				if err == nil {
					// In TLS 1.3 the client finishes first: the refusal
					// of its certificate arrives with the first read.
					if _, err = connect(cc, http.MethodConnect, h.echo.String()); err == nil {
						t.Fatal("a refused client got a stream through")
					}
				}
			}
			r := h.recs.wait(t, "refused handshake", deniedIngress)
			if r.Verdict != Denied || r.DropReason != tc.reason || r.Error == "" {
				t.Errorf("record: verdict %s reason %s (want %s) error %q", r.Verdict, r.DropReason, tc.reason, r.Error)
			}
			if r.Source.IP != clientIP && r.Source.IP != netip.MustParseAddr("127.0.0.1") {
				t.Errorf("record source %s", r.Source.IP)
			}
			h.logs.wait(t, "tunnel handshake refused", "reason="+tc.reason)
			h.stillServes(t, addr)
		})
	}
}

func deniedIngress(r Record) bool { return r.Direction == Ingress && r.Verdict == Denied }

func isReset(err error) bool { return strings.Contains(err.Error(), "connection reset") }

func TestInboundRefusesBadStreams(t *testing.T) {
	h := newHarness(t, nil)
	addr := h.intercept(t, h.echo)
	otherID := spiffeid.RequireFromString("spiffe://zeta.test/ns/b/sa/other")
	h.svids.set(h.ca.issue(t, otherID.String(), svidOpts{}))
	otherIP := netip.MustParseAddr("127.0.0.6")
	h.cl.addPod(otherIP, Workload{ID: otherID, Namespace: "b", Pod: "other"})
	deadIP := netip.MustParseAddr("127.0.0.7")
	h.cl.addPod(deadIP, Workload{ID: h.serverID, Namespace: "b", Pod: "dead"})
	h.cl.allow(h.clientID, 1, true)

	cc, err := h.tunnelTLS(t, clientTLS(h.svids.byID[h.clientID], h.svids.Bundles(), h.serverID))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, method, authority string
		status                  int
		reason                  string
	}{
		{"wrong method", http.MethodGet, h.echo.String(), http.StatusMethodNotAllowed, ReasonBadRequest},
		{"authority not ip:port", http.MethodConnect, "example.com:80", http.StatusBadRequest, ReasonBadRequest},
		{"not a local pod", http.MethodConnect, "127.0.0.9:80", http.StatusNotFound, ReasonNotLocal},
		{"pod of another identity", http.MethodConnect, netip.AddrPortFrom(otherIP, 80).String(), http.StatusMisdirectedRequest, ReasonMisdirected},
		{"port the policy denies", http.MethodConnect, netip.AddrPortFrom(serverIP, 9).String(), http.StatusForbidden, ReasonPolicy},
		{"pod unreachable", http.MethodConnect, netip.AddrPortFrom(deadIP, 1).String(), http.StatusBadGateway, ReasonUnreachable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.recs.reset()
			resp, err := connect(cc, tc.method, tc.authority)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != tc.status || resp.Header.Get(reasonHeader) != tc.reason {
				t.Errorf("answer %s with reason %q, want %d and %s", resp.Status, resp.Header.Get(reasonHeader), tc.status, tc.reason)
			}
			r := h.recs.wait(t, "refused stream", deniedIngress)
			if r.Verdict != Denied || r.DropReason != tc.reason || r.Source.SPIFFEID != h.clientID.String() {
				t.Errorf("record: %+v", r)
			}
			h.logs.wait(t, "tunnel stream refused", "reason="+tc.reason)
			h.stillServes(t, addr)
		})
	}
}

// expectReset fails the test unless a connection from src to addr fails
// (a reset, not a clean EOF); the reset may come before the dial
// returned.
func expectReset(t *testing.T, src netip.Addr, addr string) {
	t.Helper()
	d := net.Dialer{LocalAddr: net.TCPAddrFromAddrPort(netip.AddrPortFrom(src, 0))}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		if !isReset(err) {
			t.Fatal(err)
		}
		return
	}
	defer conn.Close()
	c := conn.(*net.TCPConn)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("x")); err != nil && isReset(err) {
		return // the reset was reported to the write
	}
	if _, err := io.ReadAll(c); err == nil || !isReset(err) {
		t.Fatalf("read ended with %v, want a connection reset", err)
	}
}

func TestOutboundRefuses(t *testing.T) {
	h := newHarness(t, nil)
	rogueID := spiffeid.RequireFromString("spiffe://zeta.test/ns/evil/sa/mitm")
	rogue := rogueServer(t, h.ca.issue(t, rogueID.String(), svidOpts{}))
	deniedPort := netip.AddrPortFrom(serverIP, 9)
	unknown := netip.AddrPortFrom(serverIP, 10)
	h.cl.route(deniedPort, Route{Node: h.node, Workload: Workload{ID: h.serverID}, MutualTLS: true})
	imposter := netip.AddrPortFrom(serverIP, 11)
	h.cl.route(imposter, Route{Node: rogue, Workload: Workload{ID: h.serverID}, MutualTLS: true})

	for _, tc := range []struct {
		name   string
		src    netip.Addr
		dst    netip.AddrPort
		reason string
	}{
		{"source without identity", netip.MustParseAddr("127.0.0.8"), h.echo, ReasonNoSourceIdentity},
		{"unknown destination", clientIP, unknown, ReasonNoRoute},
		{"server proves another identity", clientIP, imposter, ReasonServerIdentity},
		{"destination refuses by policy", clientIP, deniedPort, ReasonPolicy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.recs.reset()
			expectReset(t, tc.src, h.intercept(t, tc.dst))
			r := h.recs.wait(t, "refused egress", func(r Record) bool { return r.Direction == Egress && r.Verdict == Denied })
			if r.Verdict != Denied || r.DropReason != tc.reason || r.Error == "" {
				t.Errorf("record: verdict %s reason %s (want %s) error %q", r.Verdict, r.DropReason, tc.reason, r.Error)
			}
			h.logs.wait(t, "tunnel outbound refused", "reason="+tc.reason)
			h.stillServes(t, h.intercept(t, h.echo))
		})
	}
}

// rogueServer is a TLS 1.3 h2 server that presents svid whatever the
// client asks for.
func rogueServer(t *testing.T, svid *x509svid.SVID) netip.AddrPort {
	t.Helper()
	ln := listen(t, nodeIP)
	var protos http.Protocols
	protos.SetHTTP2(true)
	srv := &http.Server{
		Protocols: &protos,
		Handler:   http.NotFoundHandler(),
		TLSConfig: &tls.Config{
			MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{*tlsCertificate(svid)},
			ClientAuth: tls.RequireAnyClientCert,
		},
	}
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	t.Cleanup(func() { _ = srv.Close() })
	return addrPort(ln.Addr())
}
