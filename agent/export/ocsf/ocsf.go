package ocsf

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/zeta-net/zeta/agent/export"
	"github.com/zeta-net/zeta/agent/flow"
	"github.com/zeta-net/zeta/bpf"
)

// Fixed values of the Network Activity class.
const (
	CategoryUID = 4
	ClassUID    = 4001
	className   = "Network Activity"
)

// Activities, actions and dispositions Zeta uses.
const (
	ActivityOpen    = 1
	ActivityClose   = 2
	ActivityRefuse  = 5
	ActivityTraffic = 6

	ActionAllowed = 1
	ActionDenied  = 2

	DispositionAllowed  = 1
	DispositionBlocked  = 2
	DispositionDropped  = 6
	DispositionDetected = 15
	DispositionOther    = 99
)

var activityNames = map[int]string{ActivityOpen: "Open", ActivityClose: "Close", ActivityRefuse: "Refuse", ActivityTraffic: "Traffic"}

var severityNames = map[int]string{1: "Informational", 2: "Low", 3: "Medium"}

// Encoder maps records to events of one origin.
type Encoder struct {
	Origin export.Origin
}

// Event maps r.
func (e *Encoder) Event(r *flow.Record) *Event {
	ev := &Event{
		Time:        r.Time.UnixMilli(),
		CategoryUID: CategoryUID, CategoryName: className,
		ClassUID: ClassUID, ClassName: className,
		Message: export.Summary(r),
		Metadata: Metadata{
			Version:  Version,
			Product:  Product{Name: "Zeta", VendorName: "Zeta", Version: e.Origin.Version},
			Profiles: []string{"host", "security_control"},
		},
		Device:      Device{Hostname: e.Origin.Host, Name: r.Node, TypeID: 1, Type: "Server"},
		SrcEndpoint: endpoint(&r.Source),
		DstEndpoint: endpoint(&r.Destination),
		ConnectionInfo: ConnectionInfo{
			ProtocolName:  strings.ToLower(r.Protocol),
			ProtocolVerID: r.IPVersion,
			ProtocolVer:   "Internet Protocol version " + strconv.Itoa(r.IPVersion),
		},
		Traffic: Traffic{Bytes: uint64(r.Bytes), Packets: uint64(max(r.Packets, 1))},
		Unmapped: Unmapped{Zeta: Zeta{
			Verdict: r.Verdict, DropReason: r.DropReason, Direction: r.Direction,
			Endpoint: r.Endpoint, Ifindex: r.Ifindex, RuleID: r.RuleID, TraceContext: r.TraceContext,
			Source: peer(&r.Source), Destination: peer(&r.Destination),
		}},
	}
	if p, err := bpf.ParseProtocol(r.Protocol); err == nil {
		ev.ConnectionInfo.ProtocolNum = int(p)
	}
	switch r.Direction {
	case "ingress":
		ev.ConnectionInfo.DirectionID, ev.ConnectionInfo.Direction = 1, "Inbound"
	case "egress":
		ev.ConnectionInfo.DirectionID, ev.ConnectionInfo.Direction = 2, "Outbound"
	default:
		ev.ConnectionInfo.Direction = "Unknown"
	}
	if r.Protocol == "TCP" {
		f := tcpFlags(r.TCPFlags)
		ev.ConnectionInfo.TCPFlags = &f
	}
	if r.ICMP != nil {
		ev.Unmapped.Zeta.ICMP = &ICMP{Type: r.ICMP.Type, Code: r.ICMP.Code}
	}
	if r.Policy != "" || r.RuleID != 0 {
		ev.FirewallRule = &FirewallRule{Name: r.Policy}
		if r.RuleID != 0 {
			ev.FirewallRule.UID = strconv.FormatUint(uint64(r.RuleID), 10)
		}
	}
	e.outcome(ev, r)
	if t := r.Totals; t != nil {
		e.ended(ev, t)
	}
	return ev
}

// ended makes ev the closing of a connection: its totals both ways, its
// start, and how it ended.
func (e *Encoder) ended(ev *Event, t *flow.Totals) {
	ev.ActivityID, ev.ActivityName = ActivityClose, activityNames[ActivityClose]
	ev.TypeUID, ev.TypeName = ClassUID*100+ActivityClose, className+": "+ev.ActivityName
	ev.StatusDetail = t.End
	ev.StartTime = t.Started.UnixMilli()
	ev.Traffic = Traffic{
		Bytes: t.FwdBytes + t.RevBytes, Packets: t.FwdPackets + t.RevPackets,
		BytesOut: t.FwdBytes, PacketsOut: t.FwdPackets, BytesIn: t.RevBytes, PacketsIn: t.RevPackets,
	}
}

// outcome sets activity, action, disposition and severity from the verdict.
func (e *Encoder) outcome(ev *Event, r *flow.Record) {
	ev.ActivityID, ev.ActionID, ev.DispositionID, ev.SeverityID = ActivityOpen, ActionAllowed, DispositionAllowed, 1
	ev.Disposition = "Allowed"
	switch r.Verdict {
	case flow.VerdictAudit:
		ev.DispositionID, ev.Disposition, ev.SeverityID = DispositionDetected, "Detected", 2
	case flow.VerdictRedirected:
		ev.DispositionID, ev.Disposition = DispositionOther, "Redirected"
	case flow.VerdictDenied:
		ev.ActionID, ev.SeverityID = ActionDenied, 3
		ev.StatusDetail = r.DropReason
		if strings.HasPrefix(r.DropReason, "policy") {
			ev.ActivityID, ev.DispositionID, ev.Disposition = ActivityRefuse, DispositionBlocked, "Blocked"
		} else {
			// Malformed or unparsable packets: dropped traffic, not a refused connection.
			ev.ActivityID, ev.DispositionID, ev.Disposition = ActivityTraffic, DispositionDropped, "Dropped"
		}
	}
	ev.ActivityName = activityNames[ev.ActivityID]
	ev.TypeUID = ClassUID*100 + ev.ActivityID
	ev.TypeName = className + ": " + ev.ActivityName
	ev.Action = map[int]string{ActionAllowed: "Allowed", ActionDenied: "Denied"}[ev.ActionID]
	ev.Severity = severityNames[ev.SeverityID]
}

// Append appends r as one JSON object (no newline) to dst.
func (e *Encoder) Append(dst []byte, r *flow.Record) ([]byte, error) {
	b, err := json.Marshal(e.Event(r))
	if err != nil {
		return dst, fmt.Errorf("encode ocsf event: %w", err)
	}
	return append(dst, b...), nil
}

func endpoint(p *flow.Peer) Endpoint {
	ep := Endpoint{IP: p.IP, Port: p.Port}
	if p.Pod != "" {
		ep.Name = p.Namespace + "/" + p.Pod
	}
	return ep
}

func peer(p *flow.Peer) Peer {
	return Peer{Identity: p.Identity, Namespace: p.Namespace, Pod: p.Pod, Labels: p.Labels, SPIFFEID: p.SPIFFEID}
}

// tcpFlags turns "SYN,ACK" back into the header's bits (FIN=1 ... CWR=128).
func tcpFlags(s string) int {
	var f int
	for n := range strings.SplitSeq(s, ",") {
		switch n {
		case "FIN":
			f |= 1
		case "SYN":
			f |= 2
		case "RST":
			f |= 4
		case "PSH":
			f |= 8
		case "ACK":
			f |= 16
		case "URG":
			f |= 32
		case "ECE":
			f |= 64
		case "CWR":
			f |= 128
		}
	}
	return f
}
