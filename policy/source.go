package policy

import (
	"net/netip"
	"slices"

	"github.com/zeta-net/zeta/policy/secid"
)

// source is one valid policy, parsed once: which endpoints it selects, the
// directions it enforces on them and its rules.
type source struct {
	// namespace is where the policy selects endpoints; "" for a cluster
	// policy, which selects in every namespace.
	namespace string
	selects   func(secid.Labels) bool
	// enforce is, by Direction, whether the policy turns on default deny
	// for the endpoints it selects.
	enforce [2]bool
	rules   []*rule
	// cidrs are the prefixes its peers name, for CIDR identities.
	cidrs []netip.Prefix
	// egressNamed is set when a rule resolves named ports on peers.
	egressNamed bool
}

// rule is one rule of a source, its peers resolved on first use and again
// whenever the identities change.
type rule struct {
	ref     RuleRef
	id      RuleID // ref.ID()
	dir     Direction
	verdict Verdict
	proxy   uint16
	// peers select identities; none means every peer (secid.Any).
	peers []peerSelector
	ports []portMatch
	named []portName

	resolvedAt uint64     // the Compiler's peersChanged when resolved
	changedAt  uint64     // the index's stamp when its peers or entries last changed
	ids        []secid.ID // the peers
	entries    []Entry    // what the rule gives every endpoint it applies to
}

// peerSelector returns the identities a peer selects among the index's.
type peerSelector func(*index) []secid.ID

// resolve computes the rule's peers and the entries that do not depend on
// the endpoint: peers crossed with numbered ports and, on egress, with the
// peers' own named ports. Ingress named ports, the endpoint's own, are
// crossed in by ownEntries.
//
// If the peers or entries differ from the last resolution, the rule
// records the index's stamp as changedAt: an identity change that does not
// touch the rule leaves the results built on it valid.
func (r *rule) resolve(ix *index) {
	var ids []secid.ID
	if len(r.peers) == 0 {
		ids = append(ids, secid.Any)
	}
	for _, p := range r.peers {
		ids = append(ids, p(ix)...)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)

	var entries []Entry
	for _, id := range ids {
		for _, m := range r.ports {
			entries = append(entries, r.entry(id, m.proto, m.port, m.prefix))
		}
		if r.dir != Egress {
			continue
		}
		for _, n := range r.named {
			for _, pp := range ix.peerPorts(id, n) {
				entries = append(entries, r.entry(pp.id, n.proto, pp.port, 16))
			}
		}
	}
	if !slices.Equal(ids, r.ids) || !slices.Equal(entries, r.entries) {
		r.changedAt = ix.at
	}
	r.ids, r.entries = ids, entries
}

// ownEntries returns the entries of the rule's ingress named ports, which
// name the endpoint's own ports (own).
func (r *rule) ownEntries(own namedPorts) []Entry {
	if r.dir != Ingress || len(r.named) == 0 {
		return nil
	}
	var out []Entry
	for _, id := range r.ids {
		for _, n := range r.named {
			for _, port := range own[n] {
				out = append(out, r.entry(id, n.proto, port, 16))
			}
		}
	}
	return out
}

func (r *rule) entry(id secid.ID, proto uint8, port uint16, prefix uint8) Entry {
	return Entry{Direction: r.dir, Identity: id, Protocol: proto, Port: port, PortPrefix: prefix,
		Verdict: r.verdict, ProxyPort: r.proxy, Rule: r.id}
}
