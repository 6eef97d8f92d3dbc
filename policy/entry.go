package policy

import (
	"fmt"
	"hash/fnv"

	"github.com/zeta-net/zeta/policy/secid"
)

// Direction is the pod's point of view; values match bpf/lib/common.h.
type Direction uint8

// Directions.
const (
	Ingress Direction = 0
	Egress  Direction = 1
)

func (d Direction) String() string {
	if d == Egress {
		return "egress"
	}
	return "ingress"
}

// Verdict values match bpf/lib/common.h. Their strength, deny > audit >
// redirect > allow, decides between entries that match the same packet.
type Verdict uint8

// Verdicts.
const (
	Allow Verdict = 1
	Deny  Verdict = 2
	Audit Verdict = 3
	// Redirect allows a connection whose authentication (mutual TLS) or
	// L7 rules a proxy enforces; the entry names the proxy's port. It
	// outranks Allow so that an unconditional allow elsewhere cannot skip
	// the proxy, and yields to Audit and Deny, which judge the connection
	// before any proxy sees it.
	Redirect Verdict = 4
)

func (v Verdict) String() string {
	switch v {
	case Allow:
		return "allow"
	case Deny:
		return "deny"
	case Audit:
		return "audit"
	case Redirect:
		return "redirect"
	}
	return fmt.Sprintf("verdict(%d)", uint8(v))
}

// Rank orders verdicts by strength.
func (v Verdict) Rank() int {
	switch v {
	case Deny:
		return 4
	case Audit:
		return 3
	case Redirect:
		return 2
	case Allow:
		return 1
	}
	return 0
}

// Entry is one policy map entry of an endpoint. Protocol 0 matches every
// protocol (and then PortPrefix is 0); otherwise the top PortPrefix bits of
// Port must match (16: one port, 0: every port).
type Entry struct {
	Direction  Direction
	Identity   secid.ID // secid.Any matches every peer
	Protocol   uint8
	Port       uint16
	PortPrefix uint8
	Verdict    Verdict
	// ProxyPort is the port of the proxy a Redirect entry sends the
	// connection to; 0 for every other verdict.
	ProxyPort uint16
	Rule      RuleID
}

// RuleID names the rule that produced an entry; flows carry it.
type RuleID uint32

// RuleRef is what a RuleID stands for: the index of a rule within a
// policy's ingress or egress list. Index -1 stands for an entry the
// compiler adds itself (the node's access to its pods). Cluster-scoped
// policies have no Namespace.
type RuleRef struct {
	Kind      string
	Namespace string
	Name      string
	Direction Direction
	Index     int
	// RuleName is the rule's own name, where the policy kind has one
	// (ZeroTrustPolicy); it is for people and not part of the ID.
	RuleName string `json:",omitempty"`
}

// ID hashes the reference, so that the same rule has the same ID in every
// agent and across restarts.
func (r RuleRef) ID() RuleID {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%d\x00%d", r.Kind, r.Namespace, r.Name, r.Direction, r.Index)
	return RuleID(h.Sum32())
}

// String reads "Kind namespace/name direction[index]", "namespace/" left
// out for cluster-scoped policies and the rule's name appended when it
// has one: "ZeroTrustPolicy x/p ingress[0] deny-db".
func (r RuleRef) String() string {
	if r.Index < 0 {
		return fmt.Sprintf("%s/%s", r.Kind, r.Name)
	}
	name := r.Name
	if r.Namespace != "" {
		name = r.Namespace + "/" + r.Name
	}
	s := fmt.Sprintf("%s %s %s[%d]", r.Kind, name, r.Direction, r.Index)
	if r.RuleName != "" {
		s += " " + r.RuleName
	}
	return s
}

// EndpointPolicy is everything the datapath needs for one endpoint.
type EndpointPolicy struct {
	EnforceIngress bool
	EnforceEgress  bool
	Entries        []Entry
	Rules          map[RuleID]RuleRef
}
