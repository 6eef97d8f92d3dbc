package apiserver

import (
	"context"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/zeta-net/zeta/agent/flow"
	"github.com/zeta-net/zeta/agent/inspect"
	"github.com/zeta-net/zeta/agent/wire"
	pb "github.com/zeta-net/zeta/api/zeta/observer/v1"
	"github.com/zeta-net/zeta/bpf"
)

// GetStatus implements pb.ObserverServer.
func (s *Server) GetStatus(context.Context, *pb.GetStatusRequest) (*pb.GetStatusResponse, error) {
	live := s.Live()
	st := s.Node.DatapathStatus()
	st.Version, st.Node = live.Version, live.Node
	if !live.Started.IsZero() {
		st.Started = &live.Started
	}
	st.Agent = inspect.AgentStatus{Running: true, Health: &live.Health}
	st.IdentitySource = &live.IdentitySource
	st.FlowPipeline = s.pipeline(live)
	return wire.StatusToProto(st), nil
}

// pipeline reports the flow fan-out with the exporters' own counters.
func (s *Server) pipeline(live Live) *inspect.FlowPipeline {
	hs := s.Pipeline.Hub.Stats()
	p := &inspect.FlowPipeline{
		Records: hs.Published, Buffered: hs.Buffered, BufferSize: hs.BufferSize, BadEvents: s.Pipeline.BadEvents(),
		Consumers: []inspect.FlowConsumer{},
	}
	for _, c := range hs.Consumers {
		fc := inspect.FlowConsumer{
			Name: c.Name, Kind: c.Kind, Queued: c.Queued, QueueSize: c.QueueSize, Delivered: c.Delivered, Dropped: c.Dropped,
			Batches: c.Batches, Failures: c.Failures, LastError: c.LastError,
			LastErrorTime: timeOrNil(c.LastErrorTime), LastExport: timeOrNil(c.LastExport),
			Healthy: c.LastError == "" || c.LastExport.After(c.LastErrorTime),
		}
		if x, ok := live.Exporters[c.Name]; ok && c.Kind == flow.KindExporter {
			fc.Exporter = &x
		}
		p.Consumers = append(p.Consumers, fc)
	}
	return p
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// ListEndpoints implements pb.ObserverServer.
func (s *Server) ListEndpoints(context.Context, *pb.ListEndpointsRequest) (*pb.ListEndpointsResponse, error) {
	eps, err := s.Node.Endpoints()
	if err != nil {
		return nil, statusError(err)
	}
	pods := s.Live().Pods
	for i := range eps {
		eps[i].Pod = pods[eps[i].ID]
	}
	return wire.EndpointsToProto(eps), nil
}

// ListIdentities implements pb.ObserverServer.
func (s *Server) ListIdentities(context.Context, *pb.ListIdentitiesRequest) (*pb.ListIdentitiesResponse, error) {
	ids, err := s.Node.Identities()
	if err != nil {
		return nil, statusError(err)
	}
	return wire.IdentitiesToProto(ids), nil
}

// GetEndpointPolicy implements pb.ObserverServer.
func (s *Server) GetEndpointPolicy(_ context.Context, req *pb.GetEndpointPolicyRequest) (*pb.GetEndpointPolicyResponse, error) {
	pol, err := s.Node.Policy(req.GetEndpoint())
	if err != nil {
		return nil, statusError(err)
	}
	pol.Endpoint.Pod = s.Live().Pods[pol.Endpoint.ID]
	return wire.PolicyToProto(pol), nil
}

// ListConnections implements pb.ObserverServer.
func (s *Server) ListConnections(_ context.Context, req *pb.ListConnectionsRequest) (*pb.ListConnectionsResponse, error) {
	f := inspect.CTFilter{Endpoint: req.GetEndpoint()}
	if req.GetPort() > 65535 {
		return nil, status.Errorf(codes.InvalidArgument, "port %d out of range", req.GetPort())
	}
	f.Port = uint16(req.GetPort())
	if p := req.GetProtocol(); p != "" {
		var err error
		if f.Protocol, err = bpf.ParseProtocol(p); err != nil {
			return nil, status.Error(codes.InvalidArgument, err.Error())
		}
	}
	now, err := inspect.MonotonicNow()
	if err != nil {
		return nil, statusError(err)
	}
	conns, err := s.Node.Conntrack(f, now)
	if err != nil {
		return nil, statusError(err)
	}
	return wire.ConnectionsToProto(conns), nil
}

// GetMetrics implements pb.ObserverServer.
func (s *Server) GetMetrics(context.Context, *pb.GetMetricsRequest) (*pb.GetMetricsResponse, error) {
	m, err := s.Node.Metrics()
	if err != nil {
		return nil, statusError(err)
	}
	out := &pb.GetMetricsResponse{Counters: wire.MetricsToProto(m)}
	for _, c := range s.Pipeline.Counts() {
		out.Flows = append(out.Flows, &pb.FlowCount{Verdict: c.Verdict, Direction: c.Direction, Records: c.Records})
	}
	if k, err := s.Pipeline.KernelCounters(); err == nil {
		out.FlowEvents = &pb.FlowEventCounters{Lost: k.Lost, RateLimited: k.RateLimited}
	}
	return out, nil
}
