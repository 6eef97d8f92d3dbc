package apiserver

import (
	"context"
	"errors"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/zeta-net/zeta/agent/flow"
	"github.com/zeta-net/zeta/agent/wire"
	pb "github.com/zeta-net/zeta/api/zeta/observer/v1"
)

// lostCheck is how often a following stream reports records it lost.
const lostCheck = time.Second

// observeBatch is the most records a stream takes from its queue at once.
const observeBatch = 256

// ObserveFlows implements pb.ObserverServer.
func (s *Server) ObserveFlows(req *pb.ObserveFlowsRequest, stream grpc.ServerStreamingServer[pb.ObserveFlowsResponse]) error {
	f := wire.FilterFromProto(req.GetFilter())
	if req.GetFilter().GetPort() > 65535 {
		return status.Errorf(codes.InvalidArgument, "port %d out of range", req.GetFilter().GetPort())
	}
	if req.GetSince() != nil {
		f.Since = req.GetSince().AsTime()
	}
	if err := f.Normalize(); err != nil {
		return status.Error(codes.InvalidArgument, err.Error())
	}
	last := int(req.GetLast())
	if last == 0 {
		last = -1 // all of them
	}
	hub := s.Pipeline.Hub
	if !req.GetFollow() {
		return sendFlows(stream, hub.Recent(f, last))
	}
	sub, backlog := hub.Subscribe("observe", f, last)
	defer sub.Close()
	if err := sendFlows(stream, backlog); err != nil {
		return err
	}
	return s.follow(stream, sub)
}

// follow streams what sub receives until the client or the server goes,
// reporting the records the stream lost every lostCheck.
func (s *Server) follow(stream grpc.ServerStreamingServer[pb.ObserveFlowsResponse], sub *flow.Subscription) error {
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()
	if s.done != nil {
		stop := context.AfterFunc(s.done, cancel)
		defer stop()
	}
	lost := newLostCounter(s.Pipeline, sub)
	batch := make([]*flow.Record, 0, observeBatch)
	for {
		wait, cancelWait := context.WithTimeout(ctx, lostCheck)
		var err error
		batch, err = sub.Next(wait, batch[:0], observeBatch)
		cancelWait()
		if err := sendFlows(stream, batch); err != nil {
			return err
		}
		clear(batch)
		switch {
		case ctx.Err() != nil:
			return nil // the client left, or the agent stops
		case err != nil && !errors.Is(err, context.DeadlineExceeded):
			return status.Error(codes.Unavailable, err.Error())
		}
		for _, l := range lost.since() {
			if err := stream.Send(&pb.ObserveFlowsResponse{Response: &pb.ObserveFlowsResponse_Lost{Lost: l}}); err != nil {
				return err
			}
		}
	}
}

func sendFlows(stream grpc.ServerStreamingServer[pb.ObserveFlowsResponse], records []*flow.Record) error {
	for _, r := range records {
		if err := stream.Send(&pb.ObserveFlowsResponse{Response: &pb.ObserveFlowsResponse_Flow{Flow: wire.FlowToProto(r)}}); err != nil {
			return err
		}
	}
	return nil
}

// lostCounter reports what a stream lost since the last report: records
// its queue dropped, and events the kernel could not deliver.
type lostCounter struct {
	p                      *flow.Pipeline
	sub                    *flow.Subscription
	dropped, kernel, limit uint64
}

func newLostCounter(p *flow.Pipeline, sub *flow.Subscription) *lostCounter {
	l := &lostCounter{p: p, sub: sub}
	if k, err := p.KernelCounters(); err == nil {
		l.kernel, l.limit = k.Lost, k.RateLimited
	}
	return l
}

func (l *lostCounter) since() []*pb.LostRecords {
	var out []*pb.LostRecords
	report := func(src pb.LostRecordsSource, now uint64, last *uint64) {
		if now > *last {
			out = append(out, &pb.LostRecords{Source: src, Count: now - *last})
		}
		*last = now
	}
	report(pb.LostRecordsSource_LOST_RECORDS_SOURCE_SUBSCRIBER_QUEUE, l.sub.Dropped(), &l.dropped)
	if k, err := l.p.KernelCounters(); err == nil {
		report(pb.LostRecordsSource_LOST_RECORDS_SOURCE_RING_BUFFER, k.Lost, &l.kernel)
		report(pb.LostRecordsSource_LOST_RECORDS_SOURCE_RATE_LIMIT, k.RateLimited, &l.limit)
	}
	return out
}
