package agent

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/spiffe/go-spiffe/v2/spiffeid"

	"github.com/zeta-net/zeta/agent/desired"
	"github.com/zeta-net/zeta/agent/l7/authz"
	"github.com/zeta-net/zeta/agent/tunnel"
	"github.com/zeta-net/zeta/bpf/maps/interceptmap"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/secid"
)

// proxyView is the cluster as the tunnel sees it, built by each
// reconcile on the Run loop (the policy compiler is not safe for
// concurrent use) and read by the tunnel's goroutines: it is the
// tunnel's Resolver, LocalPods and Authorizer.
type proxyView struct {
	node  string
	td    spiffeid.TrustDomain
	byIP  map[netip.Addr]*desired.Workload
	nodes map[string][]netip.Addr // node name → its addresses (pods' status.hostIPs)
	// intercepts are the cluster's intercepted pod ports (zeta_intercept).
	intercepts []interceptmap.Entry
	// rules are, per local pod ("ns/name") and intercepted port prefix,
	// the ingress rules the tunnel authorizes peers against.
	rules map[string][]portRules
	// principals are the pod identities of each namespace and service
	// account: the security identities a peer's SPIFFE ID stands for.
	principals map[nsSA][]secid.ID
	ids        map[spiffeid.ID]bool // SPIFFE IDs of local pods
	// l7 are the engines of the local pods' ports with HTTP rules, by
	// address and first port of the intercept entry.
	l7 map[netip.AddrPort]*authz.Engine
}

type nsSA struct{ ns, sa string }

type portRules struct {
	entry    interceptmap.Entry
	rules    []policy.AppliedRule
	enforced bool
}

// buildProxyView compiles the view from the reconcile's results. pods
// are the cluster's pod objects by "ns/name".
func (a *Agent) buildProxyView(c *desired.Cluster, d *desired.State) *proxyView {
	v := &proxyView{
		node: a.cfg.Node, td: a.td, byIP: d.Snapshot.ByIP,
		nodes:      map[string][]netip.Addr{},
		rules:      map[string][]portRules{},
		principals: map[nsSA][]secid.ID{},
		ids:        map[spiffeid.ID]bool{},
	}
	for _, p := range c.Pods {
		if p.Spec.NodeName == "" || len(v.nodes[p.Spec.NodeName]) > 0 {
			continue
		}
		for _, h := range p.Status.HostIPs {
			if addr, err := netip.ParseAddr(h.IP); err == nil {
				v.nodes[p.Spec.NodeName] = append(v.nodes[p.Spec.NodeName], addr)
			}
		}
		if addr, err := netip.ParseAddr(p.Status.HostIP); err == nil && len(v.nodes[p.Spec.NodeName]) == 0 {
			v.nodes[p.Spec.NodeName] = []netip.Addr{addr}
		}
	}
	for id, l := range d.Snapshot.Identities {
		if !l.IsCIDR() && !id.Reserved() {
			k := nsSA{l.Namespace, l.ServiceAccount}
			v.principals[k] = append(v.principals[k], id)
		}
	}
	for k, val := range d.Intercept {
		v.intercepts = append(v.intercepts, k.Entry(val))
	}
	for _, w := range d.Snapshot.Endpoints {
		if id, err := spiffeid.FromString(w.SPIFFEID); err == nil {
			v.ids[id] = true
		}
		key := w.Namespace + "/" + w.Name
		pod := c.Pods[key]
		if pod == nil {
			continue
		}
		for _, e := range v.intercepts {
			if !slices.Contains(w.IPs, e.Addr) || slices.ContainsFunc(v.rules[key], func(r portRules) bool {
				return r.entry.Port == e.Port && r.entry.PortPrefix == e.PortPrefix
			}) {
				continue
			}
			rules, enforced, err := a.computer.IngressRules(w, pod, e.Port)
			if err != nil {
				a.log.Warn("rules of an intercepted port", "pod", key, "port", e.Port, "error", err)
				continue
			}
			v.rules[key] = append(v.rules[key], portRules{entry: e, rules: rules, enforced: enforced})
		}
	}
	v.l7 = a.proxy.l7s.engines(a, c, d, v.intercepts)
	return v
}

// interceptAt returns the most specific intercept entry of dst.
func (v *proxyView) interceptAt(dst netip.AddrPort) (interceptmap.Entry, bool) {
	var best interceptmap.Entry
	found := false
	for _, e := range v.intercepts {
		if e.Addr == dst.Addr() && portIn(dst.Port(), e.Port, e.PortPrefix) && (!found || e.PortPrefix > best.PortPrefix) {
			best, found = e, true
		}
	}
	return best, found
}

func portIn(port, base uint16, prefix uint8) bool {
	if prefix == 0 {
		return true
	}
	return port>>(16-prefix) == base>>(16-prefix)
}

func workloadOf(w *desired.Workload) tunnel.Workload {
	id, _ := spiffeid.FromString(w.SPIFFEID)
	return tunnel.Workload{ID: id, Namespace: w.Namespace, Pod: w.Name}
}

// Source implements tunnel.Resolver: the local pod that owns ip.
func (v *proxyView) Source(ip netip.Addr) (tunnel.Workload, bool) { return v.Pod(ip) }

// Destination implements tunnel.Resolver: the pod of dst, the tunnel
// address of its node, and whether its connection takes the tunnel: where
// its policy asks for mutual TLS or has HTTP rules.
func (v *proxyView) Destination(dst netip.AddrPort) (tunnel.Route, bool) {
	w, ok := v.byIP[dst.Addr().Unmap()]
	if !ok || w.SPIFFEID == "" {
		return tunnel.Route{}, false
	}
	r := tunnel.Route{Workload: workloadOf(w)}
	if e, ok := v.interceptAt(netip.AddrPortFrom(dst.Addr().Unmap(), dst.Port())); ok {
		// The L7 proxy of a port with HTTP rules runs at the destination's
		// node, so connections to such ports take the tunnel too.
		r.MutualTLS = e.Flags&(interceptmap.MutualTLS|interceptmap.L7) != 0
	}
	if !r.MutualTLS {
		return r, true
	}
	for _, addr := range v.nodes[w.Node] {
		if addr.Is4() == dst.Addr().Unmap().Is4() {
			r.Node = netip.AddrPortFrom(addr, tunnel.Port)
			return r, true
		}
	}
	return tunnel.Route{}, false
}

// Pod implements tunnel.LocalPods.
func (v *proxyView) Pod(ip netip.Addr) (tunnel.Workload, bool) {
	w, ok := v.byIP[ip.Unmap()]
	if !ok || w.Node != v.node || w.SPIFFEID == "" {
		return tunnel.Workload{}, false
	}
	return workloadOf(w), true
}

// Serves implements tunnel.LocalPods.
func (v *proxyView) Serves(id spiffeid.ID) bool { return v.ids[id] }

// Authorize implements tunnel.Authorizer with the destination's ingress
// rules at port, as the datapath would judge the peer's pod identities:
// a Deny rule that matches one wins, then any other rule that matches
// one allows; without a matching rule the peer is allowed only where
// ingress is not enforced.
//
// The peer's SPIFFE ID stands for every pod identity of its namespace and
// service account, so a rule that selects peers by pod labels matches a
// peer whose service account some selected pod shares: exact for
// principal rules, broader for label selectors.
func (v *proxyView) Authorize(peer spiffeid.ID, dst tunnel.Workload, port uint16) tunnel.Decision {
	ns, sa, ok := nsSAOf(peer, v.td)
	if !ok {
		return tunnel.Decision{}
	}
	peers := v.principals[nsSA{ns, sa}]
	var pr *portRules
	for i, r := range v.rules[dst.Namespace+"/"+dst.Pod] {
		if portIn(port, r.entry.Port, r.entry.PortPrefix) && (pr == nil || r.entry.PortPrefix > pr.entry.PortPrefix) {
			pr = &v.rules[dst.Namespace+"/"+dst.Pod][i]
		}
	}
	if pr == nil {
		return tunnel.Decision{}
	}
	matches := func(r policy.AppliedRule) bool {
		return slices.ContainsFunc(r.Peers, func(id secid.ID) bool { return id == secid.Any || slices.Contains(peers, id) })
	}
	for _, r := range pr.rules {
		if r.Verdict == policy.Deny && matches(r) {
			return tunnel.Decision{Rule: r.Ref.String()}
		}
	}
	for _, r := range pr.rules {
		if r.Verdict != policy.Deny && matches(r) {
			return tunnel.Decision{Allow: true, Rule: r.Ref.String()}
		}
	}
	return tunnel.Decision{Allow: !pr.enforced}
}

// nsSAOf parses a workload SPIFFE ID of trust domain td.
func nsSAOf(id spiffeid.ID, td spiffeid.TrustDomain) (ns, sa string, ok bool) {
	if id.TrustDomain() != td {
		return "", "", false
	}
	parts := strings.Split(strings.TrimPrefix(id.Path(), "/"), "/")
	if len(parts) != 4 || parts[0] != "ns" || parts[2] != "sa" {
		return "", "", false
	}
	return parts[1], parts[3], true
}
