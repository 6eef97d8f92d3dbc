package policy

import "github.com/zeta-net/zeta/policy/secid"

// hostAccess is the rule behind the node's access to its pods. NetworkPolicy
// never isolates a pod from its own node: kubelet probes come from there.
var hostAccess = RuleRef{Kind: "Zeta", Name: "host-access", Index: -1}

// compile returns what the datapath enforces for an endpoint of identity l
// with named ports own: the union of the rules of every source that selects
// it, as normalised entries (see Normalize) and the rules behind them, and
// the rules it used.
func (c *Compiler) compile(l secid.Labels, own namedPorts) (EndpointPolicy, []*rule) {
	ep := EndpointPolicy{EnforceIngress: c.opts.DefaultDeny, EnforceEgress: c.opts.DefaultDeny}
	var entries []Entry
	var used []*rule
	refs := map[RuleID]RuleRef{}
	apply := func(sources []*source) {
		for _, src := range sources {
			if !src.selects(l) {
				continue
			}
			ep.EnforceIngress = ep.EnforceIngress || src.enforce[Ingress]
			ep.EnforceEgress = ep.EnforceEgress || src.enforce[Egress]
			for _, r := range src.rules {
				c.resolve(r)
				used = append(used, r)
				entries = append(entries, r.entries...)
				entries = append(entries, r.ownEntries(own)...)
				refs[r.id] = r.ref
			}
		}
	}
	apply(c.byNamespace[l.Namespace])
	apply(c.cluster)
	if ep.EnforceIngress {
		hostID := hostAccess.ID()
		entries = append(entries, Entry{Direction: Ingress, Identity: secid.Host, Verdict: Allow, Rule: hostID})
		refs[hostID] = hostAccess
	}
	ep.Entries = Normalize(entries)
	ep.Rules = make(map[RuleID]RuleRef, len(refs))
	for _, e := range ep.Entries {
		ep.Rules[e.Rule] = refs[e.Rule]
	}
	return ep, used
}
