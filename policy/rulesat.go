package policy

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/zeta-net/zeta/policy/secid"
)

// AppliedRule is one rule of a valid policy that selects an endpoint, as
// it applies to the endpoint's connections on one protocol and port: its
// verdict (a Redirect for an Allow that a proxy enforces) and the
// identities of the peers it matches. The L7 proxy judges requests with
// these, since the entries Compile returns keep only the strongest
// verdict per peer and port and so lose the other rules that also match.
type AppliedRule struct {
	Ref       RuleRef
	Verdict   Verdict
	ProxyPort uint16
	// Peers are sorted; secid.Any matches every peer.
	Peers []secid.ID
}

// RulesAt returns the rules that apply to ep in direction dir on
// protocol proto (an IP protocol number) and port, ordered by RuleRef,
// with the node's access to its pods when the direction is enforced.
// The peers are resolved as Compile resolves them, from the last
// SetPolicies and SetPeers. enforced reports whether the direction is
// default deny for ep.
func (c *Compiler) RulesAt(ep Endpoint, dir Direction, proto uint8, port uint16) (rules []AppliedRule, enforced bool, err error) {
	l, ok := c.ix.labels[ep.Identity]
	if !ok || ep.Identity.Reserved() || l.IsCIDR() {
		return nil, false, fmt.Errorf("rules of %s/%s: identity %v is no known pod identity", ep.Pod.Namespace, ep.Pod.Name, ep.Identity)
	}
	own := podPorts(ep.Pod)
	enforced = c.opts.DefaultDeny
	for _, sources := range [][]*source{c.byNamespace[l.Namespace], c.cluster} {
		for _, src := range sources {
			if !src.selects(l) {
				continue
			}
			enforced = enforced || src.enforce[dir]
			for _, r := range src.rules {
				if r.dir != dir {
					continue
				}
				c.resolve(r)
				if r.matchesPort(own, proto, port) {
					rules = append(rules, AppliedRule{Ref: r.ref, Verdict: r.verdict, ProxyPort: r.proxy, Peers: slices.Clone(r.ids)})
				}
			}
		}
	}
	if enforced && dir == Ingress {
		rules = append(rules, AppliedRule{Ref: hostAccess, Verdict: Allow, Peers: []secid.ID{secid.Host}})
	}
	slices.SortFunc(rules, func(a, b AppliedRule) int {
		return cmp.Or(cmp.Compare(a.Ref.Kind, b.Ref.Kind), cmp.Compare(a.Ref.Namespace, b.Ref.Namespace),
			cmp.Compare(a.Ref.Name, b.Ref.Name), cmp.Compare(a.Ref.Index, b.Ref.Index))
	})
	return rules, enforced, nil
}

// matchesPort reports whether one of the rule's ports, numbered or named
// (the endpoint's own names, own), holds proto and port.
func (r *rule) matchesPort(own namedPorts, proto uint8, port uint16) bool {
	for _, m := range r.ports {
		if m.proto == 0 || (m.proto == proto && (m.prefix == 0 || port>>(16-m.prefix) == m.port>>(16-m.prefix))) {
			return true
		}
	}
	for _, n := range r.named {
		if n.proto == proto && slices.Contains(own[n], port) {
			return true
		}
	}
	return false
}
