package wire

import (
	"net/netip"

	"github.com/zeta-net/zeta/agent/inspect"
	pb "github.com/zeta-net/zeta/api/zeta/observer/v1"
)

// IdentityToProto converts an identity.
func IdentityToProto(i *inspect.Identity) *pb.Identity {
	return &pb.Identity{
		Id: i.ID, Name: i.Name, Namespace: i.Namespace, Labels: i.Labels, NamespaceLabels: i.NamespaceLabels, Unknown: i.Unknown,
	}
}

// IdentityFromProto converts an identity back.
func IdentityFromProto(i *pb.Identity) inspect.Identity {
	return inspect.Identity{
		ID: i.GetId(), Name: i.GetName(), Namespace: i.GetNamespace(), Labels: i.GetLabels(),
		NamespaceLabels: i.GetNamespaceLabels(), Unknown: i.GetUnknown(),
	}
}

// EndpointToProto converts an endpoint.
func EndpointToProto(e *inspect.Endpoint) *pb.Endpoint {
	return &pb.Endpoint{Ifindex: e.Ifindex, Id: e.ID, Identity: IdentityToProto(&e.Identity), Flags: e.Flags, Pod: e.Pod}
}

// EndpointFromProto converts an endpoint back.
func EndpointFromProto(e *pb.Endpoint) inspect.Endpoint {
	flags := e.GetFlags()
	if flags == nil {
		flags = []string{}
	}
	return inspect.Endpoint{
		Ifindex: e.GetIfindex(), ID: e.GetId(), Identity: IdentityFromProto(e.GetIdentity()), Flags: flags, Pod: e.GetPod(),
	}
}

// EndpointsToProto converts a list of endpoints.
func EndpointsToProto(l inspect.EndpointList) *pb.ListEndpointsResponse {
	out := &pb.ListEndpointsResponse{}
	for i := range l {
		out.Endpoints = append(out.Endpoints, EndpointToProto(&l[i]))
	}
	return out
}

// EndpointsFromProto converts a list of endpoints back.
func EndpointsFromProto(r *pb.ListEndpointsResponse) inspect.EndpointList {
	out := inspect.EndpointList{}
	for _, e := range r.GetEndpoints() {
		out = append(out, EndpointFromProto(e))
	}
	return out
}

// IdentitiesToProto converts a list of identities.
func IdentitiesToProto(l inspect.IdentityList) *pb.ListIdentitiesResponse {
	out := &pb.ListIdentitiesResponse{}
	for i := range l {
		out.Identities = append(out.Identities, &pb.IdentityUsage{
			Identity: IdentityToProto(&l[i].Identity), IpcacheEntries: uint32(l[i].IPCacheEntries),
		})
	}
	return out
}

// IdentitiesFromProto converts a list of identities back.
func IdentitiesFromProto(r *pb.ListIdentitiesResponse) inspect.IdentityList {
	out := inspect.IdentityList{}
	for _, u := range r.GetIdentities() {
		out = append(out, inspect.IdentityUsage{Identity: IdentityFromProto(u.GetIdentity()), IPCacheEntries: int(u.GetIpcacheEntries())})
	}
	return out
}

// PolicyToProto converts an endpoint's policy.
func PolicyToProto(p *inspect.EndpointPolicy) *pb.GetEndpointPolicyResponse {
	out := &pb.GetEndpointPolicyResponse{Endpoint: EndpointToProto(&p.Endpoint)}
	for i := range p.Entries {
		e := &p.Entries[i]
		pe := &pb.PolicyEntry{
			Direction: e.Direction, Peer: IdentityToProto(&e.Peer), Protocol: e.Protocol,
			Verdict: e.Verdict, Rule: e.Rule, RuleName: e.RuleName,
		}
		if e.Ports != nil {
			pe.Ports = &pb.PortRange{Low: uint32(e.Ports.Low), High: uint32(e.Ports.High)}
		}
		out.Entries = append(out.Entries, pe)
	}
	return out
}

// PolicyFromProto converts an endpoint's policy back.
func PolicyFromProto(r *pb.GetEndpointPolicyResponse) *inspect.EndpointPolicy {
	out := &inspect.EndpointPolicy{Endpoint: EndpointFromProto(r.GetEndpoint()), Entries: []inspect.PolicyEntry{}}
	for _, e := range r.GetEntries() {
		pe := inspect.PolicyEntry{
			Direction: e.GetDirection(), Peer: IdentityFromProto(e.GetPeer()), Protocol: e.GetProtocol(),
			Verdict: e.GetVerdict(), Rule: e.GetRule(), RuleName: e.GetRuleName(),
		}
		if p := e.GetPorts(); p != nil {
			pe.Ports = &inspect.Ports{Low: uint16(p.GetLow()), High: uint16(p.GetHigh())}
		}
		out.Entries = append(out.Entries, pe)
	}
	return out
}

// ConnectionsToProto converts a list of connections.
func ConnectionsToProto(l inspect.ConnectionList) *pb.ListConnectionsResponse {
	out := &pb.ListConnectionsResponse{}
	for _, c := range l {
		out.Connections = append(out.Connections, &pb.Connection{
			Source:           &pb.Address{Ip: c.Source.IP.String(), Port: uint32(c.Source.Port)},
			Destination:      &pb.Address{Ip: c.Destination.IP.String(), Port: uint32(c.Destination.Port)},
			Protocol:         c.Protocol,
			Direction:        c.Direction,
			Endpoint:         c.Endpoint,
			PeerIdentity:     c.PeerIdentity,
			Verdict:          c.Verdict,
			Rule:             c.Rule,
			FwdPackets:       c.FwdPackets,
			FwdBytes:         c.FwdBytes,
			RevPackets:       c.RevPackets,
			RevBytes:         c.RevBytes,
			FwdTcpFlags:      c.FwdTCPFlags,
			RevTcpFlags:      c.RevTCPFlags,
			ExpiresInSeconds: c.ExpiresIn,
			Expired:          c.Expired,
		})
	}
	return out
}

// ConnectionsFromProto converts a list of connections back.
func ConnectionsFromProto(r *pb.ListConnectionsResponse) inspect.ConnectionList {
	out := inspect.ConnectionList{}
	for _, c := range r.GetConnections() {
		out = append(out, inspect.Connection{
			Source:       addrFromProto(c.GetSource()),
			Destination:  addrFromProto(c.GetDestination()),
			Protocol:     c.GetProtocol(),
			Direction:    c.GetDirection(),
			Endpoint:     c.GetEndpoint(),
			PeerIdentity: c.GetPeerIdentity(),
			Verdict:      c.GetVerdict(),
			Rule:         c.GetRule(),
			FwdPackets:   c.GetFwdPackets(),
			FwdBytes:     c.GetFwdBytes(),
			RevPackets:   c.GetRevPackets(),
			RevBytes:     c.GetRevBytes(),
			FwdTCPFlags:  c.GetFwdTcpFlags(),
			RevTCPFlags:  c.GetRevTcpFlags(),
			ExpiresIn:    c.GetExpiresInSeconds(),
			Expired:      c.GetExpired(),
		})
	}
	return out
}

func addrFromProto(a *pb.Address) inspect.Addr {
	ip, _ := netip.ParseAddr(a.GetIp()) // the server wrote it from a netip.Addr
	return inspect.Addr{IP: ip, Port: uint16(a.GetPort())}
}

// MetricsToProto converts the datapath's counters.
func MetricsToProto(l inspect.MetricList) []*pb.DatapathCounter {
	var out []*pb.DatapathCounter
	for _, m := range l {
		out = append(out, &pb.DatapathCounter{
			Endpoint: m.Endpoint, Direction: m.Direction, Verdict: m.Verdict, Reason: m.Reason, Packets: m.Packets, Bytes: m.Bytes,
		})
	}
	return out
}

// MetricsFromProto converts the datapath's counters back.
func MetricsFromProto(l []*pb.DatapathCounter) inspect.MetricList {
	out := inspect.MetricList{}
	for _, m := range l {
		out = append(out, inspect.Metric{
			Endpoint: m.GetEndpoint(), Direction: m.GetDirection(), Verdict: m.GetVerdict(), Reason: m.GetReason(),
			Packets: m.GetPackets(), Bytes: m.GetBytes(),
		})
	}
	return out
}
