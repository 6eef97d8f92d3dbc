package apiclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/zeta-net/zeta/agent/flow"
	"github.com/zeta-net/zeta/agent/inspect"
	"github.com/zeta-net/zeta/agent/wire"
	pb "github.com/zeta-net/zeta/api/zeta/observer/v1"
)

var (
	// ErrAgentNotRunning means nothing answers on the socket: it does not
	// exist or refuses connections.
	ErrAgentNotRunning = errors.New("agent not running")
	// ErrPermission means the socket exists but the caller may not
	// connect: it is root's only.
	ErrPermission = errors.New("permission denied")
)

// maxResponse bounds a response: a full conntrack table is large.
const maxResponse = 256 << 20

// dialTimeout bounds the check that the socket answers.
const dialTimeout = 3 * time.Second

// Client calls one agent.
type Client struct {
	conn *grpc.ClientConn
	api  pb.ObserverClient
}

// Dial connects to the agent's API socket at path. It checks that the
// socket accepts a connection first and returns ErrAgentNotRunning or
// ErrPermission, wrapped with the path, when it does not.
func Dial(ctx context.Context, path string) (*Client, error) {
	var d net.Dialer
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	probe, err := d.DialContext(dctx, "unix", path)
	switch {
	case errors.Is(err, os.ErrNotExist), errors.Is(err, syscall.ECONNREFUSED):
		return nil, fmt.Errorf("%w: nothing listens on %s", ErrAgentNotRunning, path)
	case errors.Is(err, os.ErrPermission):
		return nil, fmt.Errorf("%w on %s: the agent's API socket is root's only; run zetactl as root", ErrPermission, path)
	case err != nil:
		return nil, fmt.Errorf("connect to the agent at %s: %w", path, err)
	}
	_ = probe.Close()
	conn, err := grpc.NewClient("unix://"+path,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxResponse)))
	if err != nil {
		return nil, fmt.Errorf("connect to the agent at %s: %w", path, err)
	}
	return &Client{conn: conn, api: pb.NewObserverClient(conn)}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// callError turns a gRPC status into an error that reads like zetactl's
// own: the agent's message, marked with the sentinel the code stands for.
func callError(err error) error {
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	switch st.Code() {
	case codes.NotFound:
		rest, ok := strings.CutPrefix(st.Message(), inspect.ErrUnknownEndpoint.Error())
		if !ok {
			rest = ": " + st.Message()
		}
		return fmt.Errorf("%w%s", inspect.ErrUnknownEndpoint, rest)
	case codes.FailedPrecondition:
		return fmt.Errorf("agent: %w: %s", inspect.ErrNotInstalled, st.Message())
	case codes.Unavailable:
		return fmt.Errorf("%w: %s", ErrAgentNotRunning, st.Message())
	case codes.InvalidArgument:
		return fmt.Errorf("%w: %s", ErrInvalidArgument, st.Message())
	}
	return fmt.Errorf("agent: %s", st.Message())
}

// ErrInvalidArgument means the agent rejected a request's arguments.
var ErrInvalidArgument = errors.New("invalid argument")

// Status asks for the agent's and the datapath's state.
func (c *Client) Status(ctx context.Context) (*inspect.Status, error) {
	r, err := c.api.GetStatus(ctx, &pb.GetStatusRequest{})
	if err != nil {
		return nil, callError(err)
	}
	return wire.StatusFromProto(r), nil
}

// Endpoints lists the local endpoints.
func (c *Client) Endpoints(ctx context.Context) (inspect.EndpointList, error) {
	r, err := c.api.ListEndpoints(ctx, &pb.ListEndpointsRequest{})
	if err != nil {
		return nil, callError(err)
	}
	return wire.EndpointsFromProto(r), nil
}

// Identities lists the security identities.
func (c *Client) Identities(ctx context.Context) (inspect.IdentityList, error) {
	r, err := c.api.ListIdentities(ctx, &pb.ListIdentitiesRequest{})
	if err != nil {
		return nil, callError(err)
	}
	return wire.IdentitiesFromProto(r), nil
}

// Policy returns one endpoint's policy; an unknown endpoint is
// inspect.ErrUnknownEndpoint.
func (c *Client) Policy(ctx context.Context, endpoint uint32) (*inspect.EndpointPolicy, error) {
	r, err := c.api.GetEndpointPolicy(ctx, &pb.GetEndpointPolicyRequest{Endpoint: endpoint})
	if err != nil {
		return nil, callError(err)
	}
	return wire.PolicyFromProto(r), nil
}

// Conntrack lists the conntrack entries f selects.
func (c *Client) Conntrack(ctx context.Context, f inspect.CTFilter) (inspect.ConnectionList, error) {
	req := &pb.ListConnectionsRequest{Endpoint: f.Endpoint, Port: uint32(f.Port)}
	if f.Protocol != 0 {
		req.Protocol = fmt.Sprint(f.Protocol)
	}
	r, err := c.api.ListConnections(ctx, req)
	if err != nil {
		return nil, callError(err)
	}
	return wire.ConnectionsFromProto(r), nil
}

// Metrics returns the datapath's counters.
func (c *Client) Metrics(ctx context.Context) (inspect.MetricList, error) {
	r, err := c.api.GetMetrics(ctx, &pb.GetMetricsRequest{})
	if err != nil {
		return nil, callError(err)
	}
	return wire.MetricsFromProto(r.GetCounters()), nil
}

// Observe says which flows to stream.
type Observe struct {
	Filter flow.Filter // its Since travels too
	// Last keeps the newest Last records from the agent's memory; 0 keeps
	// all of them.
	Last   uint32
	Follow bool
}

// Lost reports records a stream did not get.
type Lost struct {
	// Source is "queue" (the client read too slowly), "ring-buffer" or
	// "rate-limit" (the kernel could not deliver).
	Source string
	Count  uint64
}

var lostSources = map[pb.LostRecordsSource]string{
	pb.LostRecordsSource_LOST_RECORDS_SOURCE_SUBSCRIBER_QUEUE: "queue",
	pb.LostRecordsSource_LOST_RECORDS_SOURCE_RING_BUFFER:      "ring-buffer",
	pb.LostRecordsSource_LOST_RECORDS_SOURCE_RATE_LIMIT:       "rate-limit",
}

// Flows streams records to emit, and notices of lost records to lost,
// until the stream ends (nil error), ctx is done (its error) or a
// callback fails.
func (c *Client) Flows(ctx context.Context, o Observe, emit func(*flow.Record) error, lost func(Lost)) error {
	req := &pb.ObserveFlowsRequest{Filter: wire.FilterToProto(&o.Filter), Last: o.Last, Follow: o.Follow}
	if !o.Filter.Since.IsZero() {
		req.Since = timestamppb.New(o.Filter.Since)
	}
	stream, err := c.api.ObserveFlows(ctx, req)
	if err != nil {
		return callError(err)
	}
	for {
		r, err := stream.Recv()
		if err := ctx.Err(); err != nil {
			return err // the caller stopped following
		}
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return callError(err)
		}
		if f := r.GetFlow(); f != nil {
			if err := emit(wire.FlowFromProto(f)); err != nil {
				return err
			}
		}
		if l := r.GetLost(); l != nil && lost != nil {
			lost(Lost{Source: lostSources[l.GetSource()], Count: l.GetCount()})
		}
	}
}
