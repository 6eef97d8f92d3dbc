package offline

import (
	"fmt"
	"net/netip"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/secid"
)

// Explanation says why a connection between two pods is allowed or denied.
type Explanation struct {
	From     Peer            `json:"from"`
	To       Peer            `json:"to"`
	Protocol corev1.Protocol `json:"protocol"`
	Port     int32           `json:"port"`
	IPv6     bool            `json:"ipv6,omitempty"`
	Allowed  bool            `json:"allowed"`
	// Evaluator judged the verdicts; the matching entries and the reasons
	// come from the compiled entries either way.
	Evaluator string `json:"evaluator"`
	// Self is a pod reaching itself, which no hook judges.
	Self bool `json:"self,omitempty"`
	// Egress is the source's hook, Ingress the destination's.
	Egress  *HookExplanation `json:"egress,omitempty"`
	Ingress *HookExplanation `json:"ingress,omitempty"`
	// Disagreement is set when the datapath and the Go evaluator judge
	// differently: a bug, in one or the other.
	Disagreement string `json:"disagreement,omitempty"`
}

// Peer is one end of the connection.
type Peer struct {
	Pod      string     `json:"pod"`
	Node     string     `json:"node"`
	Endpoint uint32     `json:"endpoint"`
	Addr     netip.Addr `json:"addr"`
}

// HookExplanation is one hook's verdict and what led to it.
type HookExplanation struct {
	Direction string `json:"direction"`
	Pod       string `json:"pod"`
	Node      string `json:"node"`
	Endpoint  uint32 `json:"endpoint"`
	// Enforced is whether the direction is default deny for the pod, and
	// EnforcedBy what makes it so: the policies that select the pod for
	// the direction, and --default-deny.
	Enforced   bool     `json:"enforced"`
	EnforcedBy []string `json:"enforcedBy,omitempty"`
	// Peer is the other end's identity as this node's IP cache has it.
	Peer       secid.ID `json:"peer"`
	PeerLabels string   `json:"peerLabels,omitempty"`
	Verdict    string   `json:"verdict"`
	Reason     string   `json:"reason,omitempty"`
	// Rule is the rule behind the verdict, if one matched.
	Rule string `json:"rule,omitempty"`
	// Matches are the endpoint's entries that cover the connection, for
	// the peer's identity or any peer; the stronger verdict wins.
	Matches []Match `json:"matches,omitempty"`
	Why     string  `json:"why"`
}

// Match is one compiled entry that covers the connection.
type Match struct {
	Rule     string `json:"rule"`
	Peer     string `json:"peer"`
	Protocol string `json:"protocol"`
	Ports    string `json:"ports"`
	Verdict  string `json:"verdict"`
}

// Explain judges the connection from pod from to pod to with ev and
// explains both hooks' verdicts from the compiled entries. With an
// evaluator other than Go it also asks Go and reports any disagreement.
func Explain(ev Evaluator, m *Model, from, to string, protocol corev1.Protocol, port int32, ipv6 bool) (*Explanation, error) {
	proto, ok := protocols[protocol]
	if !ok {
		return nil, fmt.Errorf("explain: unknown protocol %q", protocol)
	}
	if port < 1 || port > 65535 {
		return nil, fmt.Errorf("explain: invalid port %d", port)
	}
	src, srcNode, err := m.pod(from)
	if err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	dst, dstNode, err := m.pod(to)
	if err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	j, err := Judge(ev, m, from, to, proto, uint16(port), ipv6)
	if err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	x := &Explanation{
		From:     Peer{Pod: from, Node: src.Node, Endpoint: src.Endpoint, Addr: src.Addr(ipv6)},
		To:       Peer{Pod: to, Node: dst.Node, Endpoint: dst.Endpoint, Addr: dst.Addr(ipv6)},
		Protocol: protocol, Port: port, IPv6: ipv6,
		Allowed: j.Allowed, Evaluator: ev.Name(), Self: j.Self,
	}
	if j.Self {
		return x, nil
	}
	if ev.Name() != (Go{}).Name() {
		g, err := Judge(Go{}, m, from, to, proto, uint16(port), ipv6)
		if err != nil {
			return nil, fmt.Errorf("explain: %w", err)
		}
		if g.Egress != j.Egress || g.Ingress != j.Ingress {
			x.Disagreement = fmt.Sprintf("%s: egress %s, ingress %s; go: egress %s, ingress %s",
				ev.Name(), j.Egress, j.Ingress, g.Egress, g.Ingress)
		}
	}
	if x.Egress, err = m.explainHook(srcNode, src, policy.Egress, j.Egress, protocol, uint16(port)); err != nil {
		return nil, err
	}
	if x.Ingress, err = m.explainHook(dstNode, dst, policy.Ingress, j.Ingress, protocol, uint16(port)); err != nil {
		return nil, err
	}
	return x, nil
}

// explainHook explains outcome o at pod's hook for dir.
func (m *Model) explainHook(n *Node, pod Pod, dir policy.Direction, o Outcome, protocol corev1.Protocol, port uint16) (*HookExplanation, error) {
	ep, _ := n.EndpointPolicy(pod.Endpoint)
	proto := protocols[protocol]
	on := fmt.Sprintf("%s/%d", protocol, port)
	h := &HookExplanation{
		Direction: dir.String(),
		Pod:       pod.Key,
		Node:      n.Name,
		Endpoint:  pod.Endpoint,
		Enforced:  enforced(ep, dir),
		Peer:      o.Peer,
		Verdict:   o.Verdict.String(),
	}
	if l, ok := n.State.Snapshot.Identities[o.Peer]; ok {
		h.PeerLabels = l.Key()
	}
	if o.Reason != bpf.ReasonNone {
		h.Reason = o.Reason.String()
	}
	if o.Rule != 0 {
		h.Rule = ruleName(ep, o.Rule)
	}
	if !bpf.HasPorts(proto) {
		port = 0
	}
	for _, e := range ep.Entries {
		if e.Direction == dir && (e.Identity == o.Peer || e.Identity == secid.Any) && covers(e, proto, port) {
			h.Matches = append(h.Matches, Match{
				Rule:     ruleName(ep, e.Rule),
				Peer:     e.Identity.String(),
				Protocol: bpf.ProtocolName(e.Protocol),
				Ports:    ports(e),
				Verdict:  e.Verdict.String(),
			})
		}
	}
	if h.Enforced {
		by, err := m.enforcedBy(n, pod, dir)
		if err != nil {
			return nil, err
		}
		h.EnforcedBy = by
	}
	h.Why = why(h, o, dir, on)
	return h, nil
}

// why says in a sentence how the hook came to its verdict on a connection
// to port on ("TCP/80").
func why(h *HookExplanation, o Outcome, dir policy.Direction, on string) string {
	switch {
	case o.Verdict == policy.Audit:
		return fmt.Sprintf("would be denied (%s) but the endpoint audits %s: let through and logged", o.Reason, dir)
	case o.Verdict == policy.Deny && o.Reason == bpf.ReasonPolicyDefault:
		return fmt.Sprintf("default deny: %s is enforced for %s (by %s) and no rule allows identity %s on %s",
			dir, h.Pod, strings.Join(h.EnforcedBy, ", "), o.Peer, on)
	case o.Verdict == policy.Deny:
		return "denied by " + h.Rule
	case o.Verdict == policy.Redirect:
		return "allowed on condition of a proxy (mutual TLS or L7 rules) by " + h.Rule
	case o.Rule != 0:
		return "allowed by " + h.Rule
	case !h.Enforced:
		return fmt.Sprintf("not enforced: nothing selects %s for %s, and no rule denies the connection", h.Pod, dir)
	}
	return "allowed"
}

func enforced(ep policy.EndpointPolicy, dir policy.Direction) bool {
	if dir == policy.Egress {
		return ep.EnforceEgress
	}
	return ep.EnforceIngress
}

func ruleName(ep policy.EndpointPolicy, id policy.RuleID) string {
	if ref, ok := ep.Rules[id]; ok {
		return ref.String()
	}
	return fmt.Sprintf("rule %d", id)
}

// covers reports whether entry e's key covers (proto, port) as the
// policy trie compares them: every protocol, or the protocol and the top
// PortPrefix bits of the port.
func covers(e policy.Entry, proto uint8, port uint16) bool {
	if e.Protocol == 0 {
		return true
	}
	if e.Protocol != proto {
		return false
	}
	lo, hi := portRange(e)
	return lo <= port && port <= hi
}

// portRange is the ports e's prefix covers.
func portRange(e policy.Entry) (lo, hi uint16) {
	bits := min(e.PortPrefix, 16)
	mask := uint16(0)
	if bits > 0 {
		mask = ^uint16(0) << (16 - bits)
	}
	return e.Port & mask, e.Port | ^mask
}

// ports shows the ports e covers.
func ports(e policy.Entry) string {
	if e.Protocol == 0 || e.PortPrefix == 0 {
		return "any"
	}
	lo, hi := portRange(e)
	if lo == hi {
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d-%d", lo, hi)
}
