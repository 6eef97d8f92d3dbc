package offline

import (
	"fmt"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/maps/endpointmap"
	"github.com/zeta-net/zeta/policy"
)

// Go judges in Go what the datapath would: the peer's identity from the
// node's IP cache, policy.Evaluate on the endpoint's compiled entries, and
// the endpoint's audit flags, as bpf/endpoint.c applies them. It needs no
// privileges.
type Go struct{}

// Name is "go".
func (Go) Name() string { return "go" }

// Hook judges pkt at the endpoint's hook for dir.
func (Go) Hook(n *Node, endpoint uint32, dir policy.Direction, pkt Packet) (Outcome, error) {
	ep, ok := n.EndpointPolicy(endpoint)
	if !ok {
		return Outcome{}, fmt.Errorf("node %s has no endpoint %d", n.Name, endpoint)
	}
	peerAddr := pkt.Src
	if dir == policy.Egress {
		peerAddr = pkt.Dst.Addr()
	}
	o := Outcome{Peer: n.PeerIdentity(peerAddr)}
	d := policy.Evaluate(ep, dir, o.Peer, pkt.Protocol, pkt.Dst.Port())
	o.Verdict, o.Rule = d.Verdict, d.Rule
	switch {
	case d.Verdict == policy.Deny && d.Rule == 0:
		o.Reason = bpf.ReasonPolicyDefault
	case d.Verdict == policy.Deny || d.Verdict == policy.Audit:
		o.Reason = bpf.ReasonPolicyDeny
	}
	audit := endpointmap.AuditIngress
	if dir == policy.Egress {
		audit = endpointmap.AuditEgress
	}
	if o.Verdict == policy.Deny && endpointmap.Flags(n.State.Endpoints[endpoint].Flags)&audit != 0 {
		o.Verdict = policy.Audit
	}
	return o, nil
}
