package authz

import (
	"net"
	"net/http"
	"net/netip"
	"net/textproto"
	"path"
	"slices"
	"strings"

	"github.com/zeta-net/zeta/api/v1alpha1"
)

// Matcher matches requests against one HTTP rule without its JWT
// requirement: every field that is set must match, and a list matches
// when one of its entries does.
type Matcher struct {
	methods []string
	paths   []v1alpha1.PathMatch
	hosts   []string
	headers []v1alpha1.HeaderMatch
}

// NewMatcher returns the matcher of an HTTP rule.
func NewMatcher(h *v1alpha1.HTTPRule) Matcher {
	m := Matcher{methods: h.Methods, paths: h.Paths, hosts: h.Hosts, headers: slices.Clone(h.Headers)}
	for i := range m.headers {
		m.headers[i].Name = textproto.CanonicalMIMEHeaderKey(m.headers[i].Name)
	}
	return m
}

// Match reports whether a request matches. path must be normalised
// (CleanPath); host may carry a port.
func (m *Matcher) Match(method, host, path string, h http.Header) bool {
	if len(m.methods) > 0 && !slices.Contains(m.methods, method) {
		return false
	}
	if len(m.paths) > 0 && !slices.ContainsFunc(m.paths, func(p v1alpha1.PathMatch) bool { return matchPath(&p, path) }) {
		return false
	}
	if len(m.hosts) > 0 {
		hn := hostname(host)
		if !slices.ContainsFunc(m.hosts, func(pat string) bool { return matchHost(pat, hn) }) {
			return false
		}
	}
	for i := range m.headers {
		if !matchHeader(&m.headers[i], h) {
			return false
		}
	}
	return true
}

func matchPath(m *v1alpha1.PathMatch, p string) bool {
	switch {
	case m.Exact != "":
		return p == m.Exact
	case m.Prefix != "":
		prefix := strings.TrimSuffix(m.Prefix, "/")
		return prefix == "" || p == prefix || strings.HasPrefix(p, prefix+"/")
	case m.Glob != "":
		return matchGlob(m.Glob, p)
	}
	return false
}

// matchGlob matches segment by segment; a glob segment "*" matches any
// one non-empty segment.
func matchGlob(glob, p string) bool {
	for {
		g, gRest, gMore := strings.Cut(glob, "/")
		s, sRest, sMore := strings.Cut(p, "/")
		if g != s && (g != v1alpha1.Wildcard || s == "") {
			return false
		}
		if !gMore || !sMore {
			return gMore == sMore
		}
		glob, p = gRest, sRest
	}
}

// hostname returns a Host header's host, without port or brackets,
// lower-cased and without a trailing dot.
func hostname(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	return strings.ToLower(host)
}

// matchHost matches a host pattern: a name, "*.suffix" for any name below
// suffix, or an IP address.
func matchHost(pattern, host string) bool {
	if suffix, ok := strings.CutPrefix(pattern, "*."); ok {
		return strings.HasSuffix(host, "."+suffix) && len(host) > len(suffix)+1
	}
	if p, err := netip.ParseAddr(pattern); err == nil {
		h, err := netip.ParseAddr(host)
		return err == nil && h.Unmap() == p.Unmap()
	}
	return pattern == host
}

func matchHeader(m *v1alpha1.HeaderMatch, h http.Header) bool {
	vs := h[m.Name]
	switch {
	case m.Present != nil && !*m.Present:
		return len(vs) == 0
	case m.Value != "":
		return slices.Contains(vs, m.Value)
	}
	return len(vs) > 0
}

// CleanPath returns the form of a request's (percent-decoded) path that
// rules judge and the workload receives: dot segments resolved, repeated
// slashes merged, a trailing slash kept, and always starting with "/".
// Judging one form and forwarding another is how path-confusion bypasses
// work, so the proxy forwards this one.
func CleanPath(p string) string {
	if p == "" {
		return "/"
	}
	c := path.Clean("/" + p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}
