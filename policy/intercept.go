package policy

import (
	"cmp"
	"slices"
)

// Intercept is a TCP port prefix of an endpoint at which its ingress
// policy redirects some peer's connections to a proxy. The datapath of a
// connection's source sends new TCP connections to these ports into its
// node's proxy, and the endpoint's own datapath refuses those that
// bypass it.
type Intercept struct {
	Port       uint16 // only its top PortPrefix bits may be set
	PortPrefix uint8  // 16: one port, 0: every port
	// ProxyPort is the proxy that takes the connections; MutualTLS and
	// L7 say which proxies the policy asks for at these ports.
	ProxyPort uint16
	MutualTLS bool
	L7        bool
}

// portPrefix is a port and how many of its top bits count.
type portPrefix struct {
	port uint16
	bits uint8
}

func (p portPrefix) covers(q portPrefix) bool {
	return p.bits <= q.bits && q.port&portMask(p.bits) == p.port
}

func portMask(bits uint8) uint16 {
	if bits == 0 {
		return 0
	}
	return ^uint16(0) << (16 - bits)
}

// Intercepts returns the TCP port prefixes at which ep's ingress policy
// redirects some peer to a proxy, each once, in port order. Redirects of
// every protocol count for TCP; no other protocol is intercepted.
//
// The source's datapath looks the destination up without knowing which
// peer it is, so the proxies of all peers merge: at every port covered by
// a redirect to the L7 proxy (at its own prefix or a wider one), the L7
// proxy takes the connection, since it terminates mutual TLS too. The
// datapath picks the longest prefix, so each prefix carries what every
// prefix covering it asks for.
func (c *Compiler) Intercepts(ep EndpointPolicy) []Intercept {
	asked := map[portPrefix]map[uint16]bool{} // proxies by prefix
	for _, e := range ep.Entries {
		if e.Direction != Ingress || e.Verdict != Redirect || (e.Protocol != 0 && e.Protocol != protoTCP) {
			continue
		}
		var p portPrefix
		if e.Protocol != 0 {
			p.bits = min(e.PortPrefix, 16)
			p.port = e.Port & portMask(p.bits)
		}
		if asked[p] == nil {
			asked[p] = map[uint16]bool{}
		}
		asked[p][e.ProxyPort] = true
	}
	out := make([]Intercept, 0, len(asked))
	for p := range asked {
		in := Intercept{Port: p.port, PortPrefix: p.bits}
		for q, proxies := range asked {
			if !q.covers(p) {
				continue
			}
			for proxy := range proxies {
				in.L7 = in.L7 || proxy == c.opts.L7ProxyPort
				in.MutualTLS = in.MutualTLS || proxy == c.opts.MutualTLSProxyPort
				in.ProxyPort = max(in.ProxyPort, proxy) // deterministic if ever more than one
			}
		}
		if in.L7 {
			in.ProxyPort = c.opts.L7ProxyPort
		}
		out = append(out, in)
	}
	slices.SortFunc(out, func(a, b Intercept) int {
		return cmp.Or(cmp.Compare(a.Port, b.Port), cmp.Compare(a.PortPrefix, b.PortPrefix))
	})
	return out
}

// Redirects reports whether a valid policy has an ingress rule that
// redirects to a proxy: without one, no endpoint has Intercepts.
func (c *Compiler) Redirects() bool {
	redirects := func(srcs []*source) bool {
		return slices.ContainsFunc(srcs, func(s *source) bool {
			return slices.ContainsFunc(s.rules, func(r *rule) bool { return r.dir == Ingress && r.verdict == Redirect })
		})
	}
	if redirects(c.cluster) {
		return true
	}
	for _, srcs := range c.byNamespace {
		if redirects(srcs) {
			return true
		}
	}
	return false
}
