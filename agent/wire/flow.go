package wire

import (
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/zeta-net/zeta/agent/flow"
	pb "github.com/zeta-net/zeta/api/zeta/observer/v1"
)

// FlowToProto converts a record.
func FlowToProto(r *flow.Record) *pb.Flow {
	f := &pb.Flow{
		Time:         timestamppb.New(r.Time),
		Node:         r.Node,
		Verdict:      r.Verdict,
		DropReason:   r.DropReason,
		Direction:    r.Direction,
		IpVersion:    uint32(r.IPVersion),
		Protocol:     r.Protocol,
		Source:       peerToProto(&r.Source),
		Destination:  peerToProto(&r.Destination),
		TcpFlags:     r.TCPFlags,
		Policy:       r.Policy,
		Endpoint:     r.Endpoint,
		Ifindex:      r.Ifindex,
		Bytes:        r.Bytes,
		Packets:      r.Packets,
		RuleId:       r.RuleID,
		TraceContext: r.TraceContext,
	}
	if r.ICMP != nil {
		f.Icmp = &pb.Icmp{Type: uint32(r.ICMP.Type), Code: uint32(r.ICMP.Code)}
	}
	f.Type = r.Type
	if t := r.Totals; t != nil {
		f.Totals = &pb.ConnectionTotals{
			FwdPackets: t.FwdPackets, FwdBytes: t.FwdBytes, RevPackets: t.RevPackets, RevBytes: t.RevBytes,
			Started: timestamppb.New(t.Started), End: t.End,
		}
	}
	if l := r.L7; l != nil {
		f.L7 = &pb.L7{Method: l.Method, Host: l.Host, Path: l.Path, Status: int32(l.Status), Reason: l.Reason, Issuer: l.Issuer, Subject: l.Subject}
	}
	return f
}

func peerToProto(p *flow.Peer) *pb.Peer {
	return &pb.Peer{
		Ip: p.IP, Port: uint32(p.Port), Identity: p.Identity, Namespace: p.Namespace, Pod: p.Pod,
		Labels: p.Labels, SpiffeId: p.SPIFFEID,
	}
}

// FlowFromProto converts a record back.
func FlowFromProto(f *pb.Flow) *flow.Record {
	r := &flow.Record{
		Node:         f.GetNode(),
		Verdict:      f.GetVerdict(),
		DropReason:   f.GetDropReason(),
		Direction:    f.GetDirection(),
		IPVersion:    int(f.GetIpVersion()),
		Protocol:     f.GetProtocol(),
		Source:       peerFromProto(f.GetSource()),
		Destination:  peerFromProto(f.GetDestination()),
		TCPFlags:     f.GetTcpFlags(),
		Policy:       f.GetPolicy(),
		Endpoint:     f.GetEndpoint(),
		Ifindex:      f.GetIfindex(),
		Bytes:        f.GetBytes(),
		Packets:      f.GetPackets(),
		RuleID:       f.GetRuleId(),
		TraceContext: f.GetTraceContext(),
	}
	if f.GetTime() != nil {
		r.Time = f.GetTime().AsTime()
	}
	if i := f.GetIcmp(); i != nil {
		r.ICMP = &flow.ICMP{Type: uint8(i.GetType()), Code: uint8(i.GetCode())}
	}
	r.Type = f.GetType()
	if t := f.GetTotals(); t != nil {
		r.Totals = &flow.Totals{
			FwdPackets: t.GetFwdPackets(), FwdBytes: t.GetFwdBytes(), RevPackets: t.GetRevPackets(), RevBytes: t.GetRevBytes(),
			Started: t.GetStarted().AsTime(), End: t.GetEnd(),
		}
	}
	if l := f.GetL7(); l != nil {
		r.L7 = &flow.L7{Method: l.GetMethod(), Host: l.GetHost(), Path: l.GetPath(), Status: int(l.GetStatus()), Reason: l.GetReason(), Issuer: l.GetIssuer(), Subject: l.GetSubject()}
	}
	return r
}

func peerFromProto(p *pb.Peer) flow.Peer {
	return flow.Peer{
		IP: p.GetIp(), Port: uint16(p.GetPort()), Identity: p.GetIdentity(), Namespace: p.GetNamespace(), Pod: p.GetPod(),
		Labels: p.GetLabels(), SPIFFEID: p.GetSpiffeId(),
	}
}

// FilterToProto converts a filter; Since travels beside it in the request.
func FilterToProto(f *flow.Filter) *pb.FlowFilter {
	return &pb.FlowFilter{
		FromPod: f.FromPod, ToPod: f.ToPod, Pod: f.Pod, Namespace: f.Namespace, Identity: f.Identity,
		Verdict: f.Verdict, Protocol: f.Protocol, Port: uint32(f.Port),
	}
}

// FilterFromProto converts a filter back; it does not normalise it.
func FilterFromProto(f *pb.FlowFilter) flow.Filter {
	return flow.Filter{
		FromPod: f.GetFromPod(), ToPod: f.GetToPod(), Pod: f.GetPod(), Namespace: f.GetNamespace(), Identity: f.GetIdentity(),
		Verdict: f.GetVerdict(), Protocol: f.GetProtocol(), Port: uint16(min(f.GetPort(), 65535)),
	}
}
