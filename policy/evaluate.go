package policy

import "github.com/zeta-net/zeta/policy/secid"

// none is the datapath's VERDICT_NONE: no entry matched.
const none Verdict = 0

// Evaluate returns the verdict the datapath gives a new connection of the
// endpoint and the rule behind it (0 when none), computed the way
// bpf/endpoint.c computes it, so that it can stand in for the kernel
// offline and cross-check it: the port counts only for TCP, UDP and SCTP;
// the longest match for the peer's identity and the longest for secid.Any
// are compared and the stronger wins, the peer's on a tie; with no match
// the connection is denied if the direction is enforced, else allowed.
//
// Like the trie, it trusts ep to be normalised: on entries that are not,
// it answers as the trie would after loading them in order.
func Evaluate(ep EndpointPolicy, dir Direction, peer secid.ID, protocol uint8, port uint16) (Verdict, RuleID) {
	if protocol != protoTCP && protocol != protoUDP && protocol != protoSCTP {
		port = 0
	}
	v, rule := none, RuleID(0)
	if e := longestMatch(ep.Entries, dir, peer, protocol, port); e != nil {
		v, rule = e.Verdict, e.Rule
	}
	if e := longestMatch(ep.Entries, dir, secid.Any, protocol, port); e != nil && e.Verdict.Rank() > v.Rank() {
		v, rule = e.Verdict, e.Rule
	}
	if v != none {
		return v, rule
	}
	if (dir == Ingress && ep.EnforceIngress) || (dir == Egress && ep.EnforceEgress) {
		return Deny, rule
	}
	return Allow, rule
}

// longestMatch is one trie lookup: the entry of dir and id with the longest
// prefix covering (protocol, port); of equal keys, the last, as a later
// map update replaces an earlier one.
func longestMatch(entries []Entry, dir Direction, id secid.ID, protocol uint8, port uint16) *Entry {
	var best *Entry
	for i := range entries {
		e := &entries[i]
		if e.Direction != dir || e.Identity != id || !e.matches(protocol, port) {
			continue
		}
		if best == nil || e.matchBits() >= best.matchBits() {
			best = e
		}
	}
	return best
}
