package flow

import (
	"net/netip"
	"time"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/maps/eventmap"
	"github.com/zeta-net/zeta/policy"
)

// Record is one flow record: the datapath's verdict on a new connection,
// or on a packet it dropped. Its JSON field names are the schema that the
// flow log, zetactl, zeta-lab and exporters share, and the field names of
// zeta.observer.v1.Flow (api/zeta/observer/v1): fields are added, never
// renamed. docs/flows.md documents each one.
//
// A published record is shared by every consumer and must not be changed.
type Record struct {
	Time        time.Time `json:"time"`
	Node        string    `json:"node"`
	Verdict     string    `json:"verdict"` // ALLOWED, DENIED, AUDIT or REDIRECTED
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
	// Bytes and Packets count what the record stands for: the one packet
	// that was judged (a connection's totals are in conntrack).
	Bytes   uint32 `json:"bytes"`
	Packets uint32 `json:"packets"`
	// RuleID is the ID of the policy entry's rule, 0 when no rule decided
	// (a default deny, or no policy); Policy names it.
	RuleID uint32 `json:"rule_id,omitempty"`
	// TraceContext is the W3C traceparent of the connection, when known.
	// The datapath sees none today, so it is always empty.
	TraceContext string `json:"trace_context,omitempty"`
	// Type is empty for a verdict, TypeEnd for a connection that ended;
	// an end record carries the connection's Totals.
	Type   string  `json:"type,omitempty"`
	Totals *Totals `json:"totals,omitempty"`
	// L7 is the request of a TypeL7 record.
	L7 *L7 `json:"l7,omitempty"`
}

// TypeEnd is the Type of a record that a connection ended.
const TypeEnd = "end"

// Totals are what a connection carried over its life, from its conntrack
// entry. Counters are JSON strings, as protojson writes 64-bit integers.
type Totals struct {
	// Fwd is what the initiator sent, Rev what the responder sent.
	FwdPackets uint64 `json:"fwd_packets,string"`
	FwdBytes   uint64 `json:"fwd_bytes,string"`
	RevPackets uint64 `json:"rev_packets,string"`
	RevBytes   uint64 `json:"rev_bytes,string"`
	// Started is when the datapath saw the connection's first packet.
	Started time.Time `json:"started"`
	// End is EndClosed or EndExpired.
	End string `json:"end"`
}

// How connections end.
const (
	// EndClosed: TCP saw FIN both ways, or RST.
	EndClosed = "closed"
	// EndExpired: idle past its conntrack timeout.
	EndExpired = "expired"
)

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
	policy.Allow:    "ALLOWED",
	policy.Deny:     "DENIED",
	policy.Audit:    "AUDIT",
	policy.Redirect: "REDIRECTED",
}

// Decode fills the fields an event carries by itself; boot converts the
// event's monotonic timestamp to wall time.
func Decode(ev *eventmap.Event, boot time.Time) Record {
	return decode(ev, boot, netip.Addr.String)
}

// decode is Decode with addr writing addresses (Pipeline caches them).
func decode(ev *eventmap.Event, boot time.Time, addr func(netip.Addr) string) Record {
	r := Record{
		Time:        boot.Add(time.Duration(ev.Timestamp)),
		Verdict:     VerdictName(ev.Verdict),
		Direction:   ev.Direction.String(),
		IPVersion:   4,
		Protocol:    bpf.ProtocolName(ev.Protocol),
		Source:      Peer{IP: addr(ev.Src()), Identity: ev.SrcIdentity},
		Destination: Peer{IP: addr(ev.Dst()), Identity: ev.DstIdentity},
		Ifindex:     ev.Ifindex,
		Bytes:       ev.Len,
		Packets:     1,
		RuleID:      ev.Rule,
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
		r.TCPFlags = tcpFlags[ev.TCPFlags]
	}
	return r
}

// tcpFlags names every combination of TCP flags once, so that decoding
// does not build the string for every record.
var tcpFlags = func() (t [256]string) {
	for f := range t {
		t[f] = bpf.TCPFlags(uint8(f))
	}
	return t
}()
