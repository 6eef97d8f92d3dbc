package proxy

import (
	"context"
	"net"
	"net/http"
	"net/http/httputil"
	"sync"
	"time"
)

// connKey keys a served connection's state in its requests' contexts.
type connKey struct{}

// connState is a served connection's Meta and its upstream transports:
// HTTP/1.1 for HTTP/1 requests, h2c for HTTP/2 ones, each created on
// first use and closed with the connection.
type connState struct {
	meta Meta
	dial func(context.Context, Meta) (net.Conn, error)

	mu     sync.Mutex
	h1, h2 *http.Transport
	closed bool
}

func (s *Server) newConnState(m Meta) *connState {
	return &connState{meta: m, dial: s.cfg.Dial}
}

func (cs *connState) transport(http2 bool) http.RoundTripper {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	t := &cs.h1
	if http2 {
		t = &cs.h2
	}
	if *t == nil {
		var p http.Protocols
		if http2 {
			p.SetUnencryptedHTTP2(true)
		} else {
			p.SetHTTP1(true)
		}
		*t = &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return cs.dial(ctx, cs.meta)
			},
			Protocols:             &p,
			MaxIdleConnsPerHost:   64,
			IdleConnTimeout:       90 * time.Second,
			ResponseHeaderTimeout: 0, // streaming and long polls are the workload's business
			DisableCompression:    true,
		}
	}
	if cs.closed {
		(*t).CloseIdleConnections()
	}
	return *t
}

func (cs *connState) close() {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.closed = true
	for _, t := range []*http.Transport{cs.h1, cs.h2} {
		if t != nil {
			t.CloseIdleConnections()
		}
	}
}

// upstream routes a request to its connection's transport.
type upstream struct{}

func (upstream) RoundTrip(r *http.Request) (*http.Response, error) {
	cs := r.Context().Value(connKey{}).(*connState)
	return cs.transport(r.ProtoMajor == 2).RoundTrip(r)
}

// newReverseProxy returns the forwarder: to the connection's destination,
// with the client's Host, and no X-Forwarded-* headers (the workload sees
// the client's own address when Dial preserves it).
func newReverseProxy(s *Server) *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			cs := pr.In.Context().Value(connKey{}).(*connState)
			pr.Out.URL.Scheme = "http"
			pr.Out.URL.Host = cs.meta.Destination.String()
			pr.Out.Host = pr.In.Host
		},
		Transport:     upstream{},
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			s.cfg.Logger.Debug("l7 upstream failed", "method", r.Method, "path", r.URL.Path, "error", err)
			w.WriteHeader(http.StatusBadGateway)
		},
	}
}
