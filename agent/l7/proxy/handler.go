package proxy

import (
	"net/http"
	"net/http/httputil"

	"github.com/zeta-net/zeta/agent/l7/authz"
)

// ReasonNoPolicy is the reason of requests to a destination without an
// engine.
const ReasonNoPolicy = "no-policy"

// handler judges one request and forwards it if it passes.
type handler struct {
	s     *Server
	proxy *httputil.ReverseProxy
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cs := r.Context().Value(connKey{}).(*connState)
	// Judge and forward one form of the path (see authz.CleanPath).
	r.URL.Path, r.URL.RawPath = authz.CleanPath(r.URL.Path), ""
	var d authz.Decision
	if eng := h.s.cfg.Engine(cs.meta); eng != nil {
		d = eng.Decide(r.Context(), &authz.Request{Method: r.Method, Host: r.Host, Path: r.URL.Path, Header: r.Header, Peer: cs.meta.PeerIdentity})
	} else {
		d = authz.Decision{Status: http.StatusForbidden, Reason: ReasonNoPolicy}
	}
	sw := &statusWriter{ResponseWriter: w}
	defer func() { h.s.record(cs.meta, r, &d, sw.status) }()
	if !d.Passes() {
		if c := d.Challenge(); c != "" {
			w.Header().Set("WWW-Authenticate", c)
		}
		http.Error(sw, http.StatusText(d.Status), d.Status)
		return
	}
	d.Apply(r.Header)
	h.proxy.ServeHTTP(sw, r)
}

// statusWriter remembers the status the client got.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer, for
// flushing streamed responses.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
