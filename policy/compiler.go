package policy

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"

	"github.com/zeta-net/zeta/policy/secid"
)

// Compiler compiles endpoints' policy and remembers what it compiled, so
// that after a change it compiles again only what the change can affect.
//
// Each round of a computation calls SetPolicies, then (having numbered
// identities, with CIDRs for the prefixes the policies name) SetPeers,
// then Compile for each endpoint. Policies are validated and parsed once
// per object. A rule's peers are resolved once per set of identities and
// shared by every endpoint it applies to. An endpoint's result is shared
// by every endpoint of its identity with the same named ports, and is
// reused in later rounds until something it depends on changes: the
// policies of its namespace, the cluster policies, the identities, or the
// named ports of peers (only while an egress rule names a port).
//
// A Compiler is not safe for concurrent use.
type Compiler struct {
	opts Options

	parsed      map[any]*parsed // by policy object
	byNamespace map[string][]*source
	cluster     []*source
	cidrs       []netip.Prefix
	egressNamed bool
	ix          *index

	// clock counts changes; the stamps say when each kind last happened.
	clock          uint64
	nsChanged      map[string]uint64
	clusterChanged uint64
	peersChanged   uint64

	round    uint64
	results  map[resultKey]*result
	compiled int // endpoint compilations, for tests
}

// parsed is a policy object after validation: its source, or why it has
// none, and warnings about what it means.
type parsed struct {
	key       string
	namespace string // "" for cluster policies
	src       *source
	err       error
	warnings  []string
	round     uint64 // the last round that had the object
}

type resultKey struct {
	id    secid.ID
	ports string
}

type result struct {
	ep     EndpointPolicy
	at     uint64 // the clock when compiled, or last found still valid
	usedIn uint64 // the last round that asked for it
	rules  []*rule
}

// NewCompiler returns a Compiler with no policies and no identities.
func NewCompiler(opts Options) *Compiler {
	if opts.MutualTLSProxyPort == 0 {
		opts.MutualTLSProxyPort = DefaultMutualTLSProxyPort
	}
	if opts.L7ProxyPort == 0 {
		opts.L7ProxyPort = DefaultL7ProxyPort
	}
	c := &Compiler{
		opts:      opts,
		parsed:    map[any]*parsed{},
		nsChanged: map[string]uint64{},
		results:   map[resultKey]*result{},
		ix:        newIndex(nil),
	}
	c.peersChanged = c.tick() // no rule has been resolved yet
	c.ix.at = c.peersChanged
	return c
}

// SetPolicies starts a round with the cluster's policies, in any order.
// Invalid policies apply nowhere; Invalid reports them.
func (c *Compiler) SetPolicies(p Policies) {
	c.round++
	maps.DeleteFunc(c.results, func(_ resultKey, r *result) bool { return r.usedIn+1 < c.round })

	changed := map[string]bool{} // namespaces whose policies changed; "" for cluster policies
	add := func(obj any, ns string, parse func() *parsed) {
		pp := c.parsed[obj]
		if pp == nil {
			pp = parse()
			pp.namespace = ns
			c.parsed[obj] = pp
			changed[ns] = true
		}
		pp.round = c.round
	}
	for _, np := range p.NetworkPolicies {
		add(np, np.Namespace, func() *parsed {
			src, err := parseNetworkPolicy(np)
			return &parsed{key: policyKey("NetworkPolicy", np.Namespace, np.Name), src: src, err: err}
		})
	}
	for _, ztp := range p.ZeroTrustPolicies {
		add(ztp, ztp.Namespace, func() *parsed { return parseZeroTrustPolicy(ztp, c.opts) })
	}
	for _, cztp := range p.ClusterZeroTrustPolicies {
		add(cztp, "", func() *parsed { return parseClusterZeroTrustPolicy(cztp, c.opts) })
	}
	for obj, pp := range c.parsed {
		if pp.round != c.round {
			delete(c.parsed, obj)
			changed[pp.namespace] = true
		}
	}
	if len(changed) == 0 {
		return
	}
	for ns := range changed {
		if ns == "" {
			c.clusterChanged = c.tick()
		} else {
			c.nsChanged[ns] = c.tick()
		}
	}
	c.byNamespace, c.cluster, c.cidrs, c.egressNamed = map[string][]*source{}, nil, nil, false
	for _, pp := range c.parsed {
		switch {
		case pp.src == nil:
			continue
		case pp.namespace == "":
			c.cluster = append(c.cluster, pp.src)
		default:
			c.byNamespace[pp.namespace] = append(c.byNamespace[pp.namespace], pp.src)
		}
		c.cidrs = append(c.cidrs, pp.src.cidrs...)
		c.egressNamed = c.egressNamed || pp.src.egressNamed
	}
}

// CIDRs returns the prefixes that the valid policies name, in no order:
// each needs a CIDR identity, and the identities of pods inside them
// record their memberships (see secid.CIDRSet).
func (c *Compiler) CIDRs() []netip.Prefix { return slices.Clone(c.cidrs) }

// Invalid returns the policies that apply nowhere and why, by "Kind
// namespace/name" ("Kind name" for cluster policies).
func (c *Compiler) Invalid() map[string]error {
	out := map[string]error{}
	for _, pp := range c.parsed {
		if pp.err != nil {
			out[pp.key] = pp.err
		}
	}
	return out
}

// Warnings returns, by policy as Invalid names them, what valid policies
// say that matches nothing and is likely a mistake: principals of another
// trust domain.
func (c *Compiler) Warnings() map[string][]string {
	out := map[string][]string{}
	for _, pp := range c.parsed {
		if len(pp.warnings) > 0 {
			out[pp.key] = pp.warnings
		}
	}
	return out
}

// EgressNamedPorts reports whether the valid policies of the round allow
// egress to a named port: then pods' identities must tell their named
// ports apart (see secid.Labels.NamedPorts), for the port resolves on each
// destination pod.
func (c *Compiler) EgressNamedPorts() bool { return c.egressNamed }

// SetPeers gives the round's identities and pods.
func (c *Compiler) SetPeers(p Peers) {
	if !sameIDs(c.ix.labels, p.Identities) {
		ports := c.ix.ports
		c.ix = newIndex(p.Identities)
		c.ix.ports = ports
		c.peersChanged = c.tick()
	}
	if c.egressNamed {
		if ports := peersPorts(p); !equalPorts(ports, c.ix.ports) {
			c.ix.ports = ports
			c.peersChanged = c.tick()
		}
	}
	c.ix.at = c.peersChanged
}

// Compile returns what the datapath enforces for ep: the union of the
// policies that select it, as normalised entries (see Normalize) and the
// rules behind them. The result may be shared with other endpoints and
// later rounds, and must not be modified.
func (c *Compiler) Compile(ep Endpoint) (EndpointPolicy, error) {
	l, ok := c.ix.labels[ep.Identity]
	if !ok || ep.Identity.Reserved() || l.IsCIDR() {
		return EndpointPolicy{}, fmt.Errorf("compile policy of %s/%s: identity %v is no known pod identity", ep.Pod.Namespace, ep.Pod.Name, ep.Identity)
	}
	own := podPorts(ep.Pod)
	key := resultKey{id: ep.Identity, ports: own.signature()}
	if r := c.results[key]; r != nil && r.at >= max(c.nsChanged[l.Namespace], c.clusterChanged) && c.peersUnchanged(r) {
		r.usedIn = c.round
		return r.ep, nil
	}
	c.compiled++
	compiled, rules := c.compile(l, own)
	r := &result{ep: compiled, at: c.clock, usedIn: c.round, rules: rules}
	c.results[key] = r
	return r.ep, nil
}

// peersUnchanged reports whether the identities have not changed since r
// was compiled as far as r's rules can see: a new pod of labels no rule of
// r selects recompiles nothing. A valid r is stamped with the present so
// that the next round checks nothing.
func (c *Compiler) peersUnchanged(r *result) bool {
	if r.at >= c.peersChanged {
		return true
	}
	for _, rl := range r.rules {
		c.resolve(rl)
		if rl.changedAt > r.at {
			return false
		}
	}
	r.at = c.clock
	return true
}

// resolve brings r's peers up to date with the identities.
func (c *Compiler) resolve(r *rule) {
	if r.resolvedAt != c.peersChanged {
		r.resolve(c.ix)
		r.resolvedAt = c.peersChanged
	}
}

func (c *Compiler) tick() uint64 {
	c.clock++
	return c.clock
}

// sameIDs reports whether two identity sets have the same numbers.
func sameIDs(a, b map[secid.ID]secid.Labels) bool {
	if len(a) != len(b) {
		return false
	}
	for id := range a {
		if _, ok := b[id]; !ok {
			return false
		}
	}
	return true
}

// policyKey names a policy object: "Kind namespace/name", or "Kind name"
// when cluster-scoped.
func policyKey(kind, namespace, name string) string {
	if namespace == "" {
		return kind + " " + name
	}
	return kind + " " + namespace + "/" + name
}
