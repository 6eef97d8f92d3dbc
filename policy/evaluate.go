package policy

import "github.com/zeta-net/zeta/policy/secid"

// none is the datapath's VERDICT_NONE: no entry matched.
const none Verdict = 0

// Decision is the datapath's judgement of a new connection: the verdict,
// the rule behind it (0 when none) and, for Redirect, the proxy's port.
type Decision struct {
	Verdict   Verdict
	Rule      RuleID
	ProxyPort uint16
}

// Evaluate returns the decision the datapath makes for a new connection of
// the endpoint, computed the way bpf/endpoint.c computes it, so that it
// can stand in for the kernel offline and cross-check it: the port counts
// only for TCP, UDP and SCTP; the longest match for the peer's identity
// and the longest for secid.Any are compared and the stronger verdict
// wins, the peer's on a tie; with no match the connection is denied if the
// direction is enforced, else allowed. Audit mode, an endpoint flag the
// compiler does not see, is left to the caller.
//
// Like the trie, it trusts ep to be normalised: on entries that are not,
// it answers as the trie would after loading them in order.
func Evaluate(ep EndpointPolicy, dir Direction, peer secid.ID, protocol uint8, port uint16) Decision {
	if protocol != protoTCP && protocol != protoUDP && protocol != protoSCTP {
		port = 0
	}
	var d Decision
	if e := longestMatch(ep.Entries, dir, peer, protocol, port); e != nil {
		d = Decision{Verdict: e.Verdict, Rule: e.Rule, ProxyPort: e.ProxyPort}
	}
	if e := longestMatch(ep.Entries, dir, secid.Any, protocol, port); e != nil && e.Verdict.Rank() > d.Verdict.Rank() {
		d = Decision{Verdict: e.Verdict, Rule: e.Rule, ProxyPort: e.ProxyPort}
	}
	switch {
	case d.Verdict != none:
	case (dir == Ingress && ep.EnforceIngress) || (dir == Egress && ep.EnforceEgress):
		d.Verdict = Deny
	default:
		d.Verdict = Allow
	}
	return d
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
