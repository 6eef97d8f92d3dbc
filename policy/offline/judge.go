package offline

import (
	"fmt"
	"net/netip"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/secid"
)

// Packet is the first packet of a new connection. Policy never looks at
// the source port, so the evaluator picks it, as a client's kernel would.
type Packet struct {
	Src      netip.Addr
	Dst      netip.AddrPort
	Protocol uint8
}

// Outcome is how one hook judges a new connection, as the flow record of
// its first packet tells it.
type Outcome struct {
	// Verdict is Deny for a dropped packet; Allow, Audit and Redirect let
	// it through.
	Verdict policy.Verdict `json:"verdict"`
	// Reason is why it was dropped, or would have been (Audit):
	// policy_deny or policy_default_deny; none when it passes on its merits.
	Reason bpf.Reason `json:"reason"`
	// Rule is the rule behind the verdict; 0 when none matched.
	Rule policy.RuleID `json:"rule,omitempty"`
	// Peer is the identity of the other end, from the node's IP cache.
	Peer secid.ID `json:"peer"`
}

// Passes reports whether the packet goes through.
func (o Outcome) Passes() bool { return o.Verdict != policy.Deny }

func (o Outcome) String() string {
	s := fmt.Sprintf("%s (peer %s", o.Verdict, o.Peer)
	if o.Reason != bpf.ReasonNone {
		s += ", " + o.Reason.String()
	}
	if o.Rule != 0 {
		s += fmt.Sprintf(", rule %d", o.Rule)
	}
	return s + ")"
}

// An Evaluator judges the first packet of a new connection at one hook of
// a node: dir Egress is zeta_from_pod on the endpoint's veth (what the pod
// sends), Ingress is zeta_to_pod (what it receives).
type Evaluator interface {
	// Name is "bpf" or "go", as matrices report it.
	Name() string
	Hook(n *Node, endpoint uint32, dir policy.Direction, pkt Packet) (Outcome, error)
}

// Judgement is the verdict on a connection between two pods.
type Judgement struct {
	From, To string
	// Self is a pod reaching itself: the traffic never leaves its network
	// namespace, no hook sees it, and it is allowed.
	Self bool
	// Egress is the source's hook, Ingress the destination's; both zero
	// for Self.
	Egress, Ingress Outcome
	Allowed         bool
}

// Judge judges a new connection from pod from to pod to's port over
// protocol, between their IPv6 addresses if ipv6, else their IPv4 ones:
// the source's egress and the destination's ingress must both let it
// through.
func Judge(ev Evaluator, m *Model, from, to string, protocol uint8, port uint16, ipv6 bool) (Judgement, error) {
	src, srcNode, err := m.pod(from)
	if err != nil {
		return Judgement{}, err
	}
	dst, dstNode, err := m.pod(to)
	if err != nil {
		return Judgement{}, err
	}
	j := Judgement{From: from, To: to}
	if from == to {
		j.Self, j.Allowed = true, true
		return j, nil
	}
	pkt := Packet{Src: src.Addr(ipv6), Dst: netip.AddrPortFrom(dst.Addr(ipv6), port), Protocol: protocol}
	if !pkt.Src.IsValid() || !pkt.Dst.Addr().IsValid() {
		return Judgement{}, fmt.Errorf("judge %s -> %s: no address of the family (IPv6: %t)", from, to, ipv6)
	}
	if j.Egress, err = ev.Hook(srcNode, src.Endpoint, policy.Egress, pkt); err != nil {
		return Judgement{}, fmt.Errorf("judge %s -> %s: egress at %s: %w", from, to, from, err)
	}
	if j.Ingress, err = ev.Hook(dstNode, dst.Endpoint, policy.Ingress, pkt); err != nil {
		return Judgement{}, fmt.Errorf("judge %s -> %s: ingress at %s: %w", from, to, to, err)
	}
	j.Allowed = j.Egress.Passes() && j.Ingress.Passes()
	return j, nil
}
