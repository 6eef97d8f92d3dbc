package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/zeta-net/zeta/agent/l7/authz"
	"github.com/zeta-net/zeta/agent/l7/internal/jwttest"
	"github.com/zeta-net/zeta/api/v1alpha1"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/l7"
	"github.com/zeta-net/zeta/policy/secid"
)

const peerID secid.ID = 100

// upstream is the workload: it answers with what it received.
func newUpstream(t testing.TB) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Proto", r.Proto)
		fmt.Fprintf(w, "%s %s user=%s auth=%s", r.Method, r.URL.Path, r.Header.Get("X-User"), r.Header.Get("Authorization"))
	}))
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetHTTP1(true)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// l7Policy allows GET /public to peer 100 and POST /orders with a token
// carrying orders:write, forwarding sub as X-User and removing the token.
func l7Policy(t testing.TB, is *jwttest.Issuer) *l7.Policy {
	return &l7.Policy{Enforced: true, Rules: []l7.Rule{{
		Name: "ZeroTrustPolicy shop/api ingress[0] web", Verdict: policy.Allow, Peers: []secid.ID{peerID},
		Providers: []v1alpha1.JWTProvider{{Name: "idp", Issuer: is.Name, JWKS: is.JWKS(t), RemoveToken: true,
			ForwardClaims: []v1alpha1.ClaimHeader{{Claim: "sub", Header: "X-User"}}}},
		HTTP: []v1alpha1.HTTPRule{
			{Methods: []string{"GET"}, Paths: []v1alpha1.PathMatch{{Prefix: "/public"}}},
			{Methods: []string{"POST"}, Paths: []v1alpha1.PathMatch{{Exact: "/orders"}},
				JWT: &v1alpha1.JWTRequirement{RequiredScopes: []string{"orders:write"}}},
		},
	}}}
}

type harness struct {
	addr    string
	reg     *prometheus.Registry
	mu      sync.Mutex
	records []Record
	seen    int
}

// last returns the record of the latest request: the proxy records a
// request once its response is written, so it may come after the client
// has the response.
func (h *harness) last(t *testing.T) Record {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		h.mu.Lock()
		n := len(h.records)
		if n > h.seen {
			h.seen = n
			r := h.records[n-1]
			h.mu.Unlock()
			return r
		}
		if n > 0 && time.Now().After(deadline) {
			r := h.records[n-1]
			h.mu.Unlock()
			return r
		}
		h.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatal("no record")
		}
	}
}

// start runs a proxy in front of upstream on a loopback listener; engine
// nil means no policy for the destination.
func start(t testing.TB, upstream string, engine *authz.Engine, logger ...*slog.Logger) *harness {
	t.Helper()
	h := &harness{reg: prometheus.NewRegistry()}
	dst := netip.MustParseAddrPort(upstream)
	cfg := Config{
		Engine: func(Meta) *authz.Engine { return engine },
		Dial: func(ctx context.Context, m Meta) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", m.Destination.String())
		},
		Record: func(r Record) {
			h.mu.Lock()
			h.records = append(h.records, r)
			h.mu.Unlock()
		},
		Registerer: h.reg,
	}
	if len(logger) > 0 {
		cfg.Logger = logger[0]
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.addr = ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- s.Serve(ctx, ln, func(c net.Conn) (Meta, error) {
			src := netip.MustParseAddrPort(c.RemoteAddr().String())
			return Meta{Source: src, Destination: dst, PeerIdentity: peerID, PeerSPIFFEID: "spiffe://cluster.local/ns/web/sa/web"}, nil
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		_ = s.Close()
	})
	return h
}

func do(t *testing.T, c *http.Client, method, url, token string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func h1Client(t testing.TB) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

func h2cClient(t *testing.T) *http.Client {
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	tr := &http.Transport{Protocols: &p}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

func TestProxy(t *testing.T) {
	is := jwttest.NewES256(t, "https://idp", "k1")
	up := newUpstream(t)
	e, err := authz.Compile(l7Policy(t, is), authz.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := start(t, up.Listener.Addr().String(), e)
	good := is.Token(t, map[string]any{"sub": "alice", "scope": "orders:write"})
	for _, c := range []struct {
		name   string
		client *http.Client
		proto  string
	}{{"HTTP/1.1", h1Client(t), "HTTP/1.1"}, {"h2c", h2cClient(t), "HTTP/2.0"}} {
		t.Run(c.name, func(t *testing.T) {
			base := "http://" + h.addr
			resp, body := do(t, c.client, "GET", base+"/public/x", "")
			if resp.StatusCode != 200 || body != "GET /public/x user= auth=" || resp.Proto != c.proto || resp.Header.Get("X-Proto") != c.proto {
				t.Fatalf("allowed: %d %q %s upstream %s", resp.StatusCode, body, resp.Proto, resp.Header.Get("X-Proto"))
			}
			h.last(t)
			resp, body = do(t, c.client, "POST", base+"/orders", good, "X-User", "forged")
			if resp.StatusCode != 200 || body != "POST /orders user=alice auth=" {
				t.Fatalf("with token: %d %q", resp.StatusCode, body)
			}
			r := h.last(t)
			if r.Decision != DecisionAllow || r.Status != 200 || r.Issuer != "https://idp" || r.Subject != "alice" ||
				r.Rule != "ZeroTrustPolicy shop/api ingress[0] web" || r.PeerSPIFFEID == "" || r.Path != "/orders" {
				t.Fatalf("record %+v", r)
			}
			resp, _ = do(t, c.client, "POST", base+"/orders", "")
			if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != `Bearer error="invalid_token"` {
				t.Fatalf("no token: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
			}
			if r := h.last(t); r.Decision != DecisionDeny || r.Status != 401 || r.Reason != "token-missing" {
				t.Fatalf("record %+v", r)
			}
			resp, _ = do(t, c.client, "POST", base+"/orders", is.Token(t, map[string]any{"scope": "orders:read"}))
			if resp.StatusCode != 403 || resp.Header.Get("WWW-Authenticate") != `Bearer error="insufficient_scope"` {
				t.Fatalf("no scope: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
			}
			// The path judged is the path forwarded.
			resp, _ = do(t, c.client, "POST", base+"/public/../orders", "")
			if resp.StatusCode != 401 {
				t.Fatalf("dot segments: %d", resp.StatusCode)
			}
			resp, _ = do(t, c.client, "DELETE", base+"/public", "")
			if resp.StatusCode != 403 || resp.Header.Get("WWW-Authenticate") != "" {
				t.Fatalf("no match: %d", resp.StatusCode)
			}
		})
	}
	for _, m := range []struct {
		decision, reason string
		want             float64
	}{{"allow", "allowed", 4}, {"deny", "token-missing", 4}, {"deny", "insufficient-scope", 2}, {"deny", "no-match", 2}} {
		// Requests are counted as their responses finish: wait for the last.
		got := testutil.ToFloat64(mustCounter(t, h.reg, m.decision, m.reason))
		for deadline := time.Now().Add(5 * time.Second); got < m.want && time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			got = testutil.ToFloat64(mustCounter(t, h.reg, m.decision, m.reason))
		}
		if got != m.want {
			t.Errorf("zeta_l7_requests_total{%s,%s} = %v, want %v", m.decision, m.reason, got, m.want)
		}
	}
}

func mustCounter(t *testing.T, reg *prometheus.Registry, decision, reason string) prometheus.Collector {
	t.Helper()
	m, err := newMetrics(reg) // registered already: returns the existing vector
	if err != nil {
		t.Fatal(err)
	}
	return m.requests.WithLabelValues(decision, reason)
}

func TestProxyAuditMode(t *testing.T) {
	is := jwttest.NewES256(t, "https://idp", "k1")
	up := newUpstream(t)
	e, err := authz.Compile(l7Policy(t, is), authz.Options{Audit: true})
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	h := start(t, up.Listener.Addr().String(), e, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	resp, body := do(t, h1Client(t), "POST", "http://"+h.addr+"/orders", "")
	if resp.StatusCode != 200 || !strings.HasPrefix(body, "POST /orders") {
		t.Fatalf("audit mode: %d %q", resp.StatusCode, body)
	}
	if r := h.last(t); r.Decision != DecisionAudit || r.DecisionStatus != 401 || r.Status != 200 || r.Reason != "token-missing" {
		t.Fatalf("record %+v", r)
	}
	// Tokens, in headers or queries, valid or not, are neither logged nor
	// recorded.
	bad := is.Token(t, map[string]any{"scope": "none"})
	resp, _ = do(t, h1Client(t), "POST", "http://"+h.addr+"/orders?access_token="+bad, bad)
	r := h.last(t)
	if resp.StatusCode != 200 || r.Reason != "insufficient-scope" {
		t.Fatalf("audited bad token: %d %+v", resp.StatusCode, r)
	}
	sig := bad[strings.LastIndex(bad, ".")+1:]
	if rec := fmt.Sprintf("%+v", r); strings.Contains(rec, sig) || strings.Contains(logs.String(), sig) || !strings.Contains(logs.String(), "l7 request audited") {
		t.Fatalf("token leaked or audit not logged:\nrecord %s\nlogs %s", rec, logs.String())
	}
}

// syncBuffer is a buffer the proxy's goroutines write logs to.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestProxyNoPolicyAndUpstreamDown(t *testing.T) {
	up := newUpstream(t)
	h := start(t, up.Listener.Addr().String(), nil)
	resp, _ := do(t, h1Client(t), "GET", "http://"+h.addr+"/", "")
	if r := h.last(t); resp.StatusCode != 403 || r.Reason != ReasonNoPolicy {
		t.Fatalf("no policy: %d %+v", resp.StatusCode, r)
	}
	is := jwttest.NewES256(t, "https://idp", "k1")
	e, _ := authz.Compile(l7Policy(t, is), authz.Options{})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	_ = ln.Close()
	h = start(t, dead, e)
	resp, _ = do(t, h1Client(t), "GET", "http://"+h.addr+"/public", "")
	if r := h.last(t); resp.StatusCode != 502 || r.Status != 502 || r.Decision != DecisionAllow {
		t.Fatalf("upstream down: %d %+v", resp.StatusCode, r)
	}
}

// TestServeConnContext: a served connection ends when its context does.
func TestServeConnContext(t *testing.T) {
	s, err := New(Config{Engine: func(Meta) *authz.Engine { return nil }, Dial: func(context.Context, Meta) (net.Conn, error) { return nil, net.ErrClosed }})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	a, b := net.Pipe()
	defer func() { _ = b.Close() }()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.ServeConn(ctx, a, Meta{}) }()
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("ServeConn returned nil after cancel")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ServeConn did not return after cancel")
	}
	_ = s.Close()
	if err := s.ServeConn(context.Background(), b, Meta{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}
