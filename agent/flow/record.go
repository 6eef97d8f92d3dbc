package flow

import (
	"time"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/maps/eventmap"
	"github.com/zeta-net/zeta/policy"
)

// Record is one flow record. Its JSON field names are the schema that
// zeta-lab, zetactl and exporters read.
type Record struct {
	Time        time.Time `json:"time"`
	Node        string    `json:"node"`
	Verdict     string    `json:"verdict"` // ALLOWED, DENIED or AUDIT
	DropReason  string    `json:"drop_reason,omitempty"`
	Direction   string    `json:"direction"` // of the local endpoint: ingress or egress
	IPVersion   int       `json:"ip_version"`
	Protocol    string    `json:"protocol"`
	Source      Peer      `json:"source"`
	Destination Peer      `json:"destination"`
	TCPFlags    string    `json:"tcp_flags,omitempty"`
	ICMP        *ICMP     `json:"icmp,omitempty"`
	Policy      string    `json:"policy,omitempty"`
	Endpoint    string    `json:"endpoint,omitempty"` // namespace/pod of the local endpoint
	Ifindex     uint32    `json:"ifindex"`
	Bytes       uint32    `json:"bytes"`
}

// Peer is one end of a flow.
type Peer struct {
	IP        string            `json:"ip"`
	Port      uint16            `json:"port,omitempty"`
	Identity  uint32            `json:"identity"`
	Namespace string            `json:"namespace,omitempty"`
	Pod       string            `json:"pod,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	SPIFFEID  string            `json:"spiffe_id,omitempty"`
}

// ICMP carries the type and code of ICMP flows.
type ICMP struct {
	Type uint8 `json:"type"`
	Code uint8 `json:"code"`
}

var verdictNames = map[policy.Verdict]string{
	policy.Allow: "ALLOWED",
	policy.Deny:  "DENIED",
	policy.Audit: "AUDIT",
}

// Decode fills the fields an event carries by itself; boot converts the
// event's monotonic timestamp to wall time.
func Decode(ev *eventmap.Event, boot time.Time) Record {
	r := Record{
		Time:        boot.Add(time.Duration(ev.Timestamp)),
		Verdict:     verdictNames[ev.Verdict],
		Direction:   ev.Direction.String(),
		IPVersion:   4,
		Protocol:    bpf.ProtocolName(ev.Protocol),
		Source:      Peer{IP: ev.Src().String(), Identity: ev.SrcIdentity},
		Destination: Peer{IP: ev.Dst().String(), Identity: ev.DstIdentity},
		Ifindex:     ev.Ifindex,
		Bytes:       ev.Len,
	}
	if ev.Family == bpf.FamilyIPv6 {
		r.IPVersion = 6
	}
	if ev.Reason != bpf.ReasonNone {
		r.DropReason = ev.Reason.String()
	}
	switch {
	case bpf.HasPorts(ev.Protocol):
		r.Source.Port = ev.SrcPort()
		r.Destination.Port = ev.DstPort()
	case ev.Protocol == bpf.ProtoICMP || ev.Protocol == bpf.ProtoICMPv6:
		r.ICMP = &ICMP{Type: ev.ICMPType, Code: ev.ICMPCode}
	}
	if ev.Protocol == bpf.ProtoTCP {
		r.TCPFlags = bpf.TCPFlags(ev.TCPFlags)
	}
	return r
}
