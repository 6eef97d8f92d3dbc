package wire

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/zeta-net/zeta/agent/health"
	"github.com/zeta-net/zeta/agent/inspect"
	pb "github.com/zeta-net/zeta/api/zeta/observer/v1"
)

// StatusToProto converts a node's status. The agent answering is running
// by definition, so only its health travels.
func StatusToProto(s *inspect.Status) *pb.GetStatusResponse {
	out := &pb.GetStatusResponse{Version: s.Version, Node: s.Node, Kernel: s.Kernel, Errors: s.Errors, Started: timestamp(s.Started)}
	if h := s.Agent.Health; h != nil {
		out.Health = &pb.AgentHealth{Ready: h.Ready, Applied: h.Applied, Endpoints: uint32(h.Endpoints), Error: h.Error}
	}
	if src := s.IdentitySource; src != nil {
		out.IdentitySource = &pb.IdentitySource{Source: src.Source, TrustDomain: src.TrustDomain, Identities: uint32(src.Identities)}
	}
	for _, l := range s.Links {
		out.Links = append(out.Links, &pb.Link{
			Pin: l.Pin, Ifindex: l.Ifindex, Interface: l.Interface, Hook: l.Hook, LinkId: l.LinkID,
			ProgramId: l.ProgramID, Program: l.Program, Defunct: l.Defunct, Error: l.Error,
		})
	}
	for _, m := range s.Maps {
		out.Maps = append(out.Maps, &pb.MapFill{Name: m.Name, Type: m.Type, Entries: m.Entries, MaxEntries: m.MaxEntries, Error: m.Error})
	}
	if e := s.FlowEvents; e != nil {
		out.FlowEvents = &pb.FlowEventCounters{Lost: e.Lost, RateLimited: e.RateLimited}
	}
	if p := s.FlowPipeline; p != nil {
		out.FlowPipeline = pipelineToProto(p)
	}
	return out
}

func pipelineToProto(p *inspect.FlowPipeline) *pb.FlowPipeline {
	out := &pb.FlowPipeline{Records: p.Records, Buffered: uint32(p.Buffered), BufferSize: uint32(p.BufferSize), BadEvents: p.BadEvents}
	for _, c := range p.Consumers {
		pc := &pb.FlowConsumer{
			Name: c.Name, Kind: c.Kind, Queued: uint32(c.Queued), QueueSize: uint32(c.QueueSize),
			Delivered: c.Delivered, Dropped: c.Dropped, Batches: c.Batches, Failures: c.Failures,
			LastError: c.LastError, LastErrorTime: timestamp(c.LastErrorTime), LastExport: timestamp(c.LastExport),
			Healthy: c.Healthy,
		}
		if x := c.Exporter; x != nil {
			pc.Exporter = &pb.ExporterStats{Exported: x.Exported, Retried: x.Retried, Dropped: x.Dropped, QueueDepth: uint32(x.QueueDepth)}
		}
		out.Consumers = append(out.Consumers, pc)
	}
	return out
}

// StatusFromProto converts a node's status back; the agent that answered
// is running.
func StatusFromProto(r *pb.GetStatusResponse) *inspect.Status {
	s := &inspect.Status{
		Version: r.GetVersion(), Node: r.GetNode(), Kernel: r.GetKernel(), Errors: r.GetErrors(),
		Started: goTime(r.GetStarted()), Agent: inspect.AgentStatus{Running: true}, Links: []inspect.Link{}, Maps: []inspect.MapFill{},
	}
	if h := r.GetHealth(); h != nil {
		s.Agent.Health = &health.Status{Ready: h.GetReady(), Applied: h.GetApplied(), Endpoints: int(h.GetEndpoints()), Error: h.GetError()}
	}
	if src := r.GetIdentitySource(); src != nil {
		s.IdentitySource = &inspect.IdentitySource{Source: src.GetSource(), TrustDomain: src.GetTrustDomain(), Identities: int(src.GetIdentities())}
	}
	for _, l := range r.GetLinks() {
		s.Links = append(s.Links, inspect.Link{
			Pin: l.GetPin(), Ifindex: l.GetIfindex(), Interface: l.GetInterface(), Hook: l.GetHook(), LinkID: l.GetLinkId(),
			ProgramID: l.GetProgramId(), Program: l.GetProgram(), Defunct: l.GetDefunct(), Error: l.GetError(),
		})
	}
	for _, m := range r.GetMaps() {
		s.Maps = append(s.Maps, inspect.MapFill{Name: m.GetName(), Type: m.GetType(), Entries: m.Entries, MaxEntries: m.GetMaxEntries(), Error: m.GetError()})
	}
	if e := r.GetFlowEvents(); e != nil {
		s.FlowEvents = &inspect.FlowEvents{Lost: e.GetLost(), RateLimited: e.GetRateLimited()}
	}
	if p := r.GetFlowPipeline(); p != nil {
		s.FlowPipeline = pipelineFromProto(p)
	}
	return s
}

func pipelineFromProto(p *pb.FlowPipeline) *inspect.FlowPipeline {
	out := &inspect.FlowPipeline{
		Records: p.GetRecords(), Buffered: int(p.GetBuffered()), BufferSize: int(p.GetBufferSize()), BadEvents: p.GetBadEvents(),
		Consumers: []inspect.FlowConsumer{},
	}
	for _, c := range p.GetConsumers() {
		fc := inspect.FlowConsumer{
			Name: c.GetName(), Kind: c.GetKind(), Queued: int(c.GetQueued()), QueueSize: int(c.GetQueueSize()),
			Delivered: c.GetDelivered(), Dropped: c.GetDropped(), Batches: c.GetBatches(), Failures: c.GetFailures(),
			LastError: c.GetLastError(), LastErrorTime: goTime(c.GetLastErrorTime()), LastExport: goTime(c.GetLastExport()),
			Healthy: c.GetHealthy(),
		}
		if x := c.GetExporter(); x != nil {
			fc.Exporter = &inspect.ExporterStats{Exported: x.GetExported(), Retried: x.GetRetried(), Dropped: x.GetDropped(), QueueDepth: int(x.GetQueueDepth())}
		}
		out.Consumers = append(out.Consumers, fc)
	}
	return out
}

func timestamp(t *time.Time) *timestamppb.Timestamp {
	if t == nil {
		return nil
	}
	return timestamppb.New(*t)
}

func goTime(ts *timestamppb.Timestamp) *time.Time {
	if ts == nil {
		return nil
	}
	t := ts.AsTime()
	return &t
}
