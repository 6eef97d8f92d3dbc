package apiserver

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/zeta-net/zeta/agent/flow"
	"github.com/zeta-net/zeta/agent/health"
	"github.com/zeta-net/zeta/agent/inspect"
	pb "github.com/zeta-net/zeta/api/zeta/observer/v1"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// testServer is a server over a hub of known records, with pins and state
// in empty directories: nothing is installed.
func testServer(t *testing.T, queue int) (*Server, *flow.Hub) {
	t.Helper()
	hub := flow.NewHub(flow.Config{Buffer: 16, Queue: queue, Batch: 16}, slog.New(slog.DiscardHandler))
	dir := t.TempDir()
	s := &Server{
		Node:     inspect.Node{BPFFSRoot: dir, StateDir: dir},
		Pipeline: &flow.Pipeline{Hub: hub},
		Live: func() Live {
			return Live{
				Version: "v-test", Node: "node-1", Started: t0, Health: health.Status{Ready: true, Applied: "abc", Endpoints: 2},
				IdentitySource: inspect.IdentitySource{Source: "directory /m", TrustDomain: "cluster.local", Identities: 3},
				Exporters:      map[string]inspect.ExporterStats{"otlp": {Exported: 5, QueueDepth: 1}},
			}
		},
		Log: slog.New(slog.DiscardHandler),
	}
	return s, hub
}

// serveUnix serves s on a socket in a temp directory until the test ends.
func serveUnix(t *testing.T, s *Server) pb.ObserverClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	sock := filepath.Join(t.TempDir(), "zeta.sock")
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, sock, Config{}) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	deadline := time.Now().Add(5 * time.Second)
	for {
		if fi, err := os.Stat(sock); err == nil {
			if fi.Mode().Perm() != 0o600 {
				t.Fatalf("socket mode %v, want 0600", fi.Mode().Perm())
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("socket never appeared")
		}
		time.Sleep(5 * time.Millisecond)
	}
	conn, err := grpc.NewClient("unix://"+sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return pb.NewObserverClient(conn)
}

func record(i int, verdict, srcPod string) *flow.Record {
	return &flow.Record{
		Time: t0.Add(time.Duration(i) * time.Second), Node: "node-1", Verdict: verdict, Direction: "ingress", Protocol: "TCP",
		Source:      flow.Peer{IP: "10.0.0.1", Port: uint16(40000 + i), Namespace: "x", Pod: srcPod, Identity: 300},
		Destination: flow.Peer{IP: "10.0.0.2", Port: 80, Namespace: "x", Pod: "a", Identity: 301},
		Packets:     1,
	}
}

// collect reads a stream to its end, or until n flows arrived.
func collect(t *testing.T, stream grpc.ServerStreamingClient[pb.ObserveFlowsResponse], n int) (flows []*pb.Flow, lost []*pb.LostRecords) {
	t.Helper()
	for n < 0 || len(flows) < n {
		r, err := stream.Recv()
		if err != nil {
			if n >= 0 || status.Code(err) != codes.OK && !strings.Contains(err.Error(), "EOF") {
				t.Fatalf("recv after %d flows: %v", len(flows), err)
			}
			return flows, lost
		}
		if f := r.GetFlow(); f != nil {
			flows = append(flows, f)
		}
		if l := r.GetLost(); l != nil {
			lost = append(lost, l)
		}
	}
	return flows, lost
}

func srcPorts(fs []*pb.Flow) []uint32 {
	var out []uint32
	for _, f := range fs {
		out = append(out, f.GetSource().GetPort()-40000)
	}
	return out
}

func TestObserveFlowsHistory(t *testing.T) {
	s, hub := testServer(t, 16)
	api := serveUnix(t, s)
	for i := range 10 {
		v := flow.VerdictAllowed
		if i%2 == 1 {
			v = flow.VerdictDenied
		}
		hub.Publish(record(i, v, "b"))
	}
	ctx := t.Context()
	for _, tc := range []struct {
		name string
		req  *pb.ObserveFlowsRequest
		want []uint32
	}{
		{"all", &pb.ObserveFlowsRequest{}, []uint32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{"last 3", &pb.ObserveFlowsRequest{Last: 3}, []uint32{7, 8, 9}},
		{"denied", &pb.ObserveFlowsRequest{Filter: &pb.FlowFilter{Verdict: "denied"}}, []uint32{1, 3, 5, 7, 9}},
		{"last 2 denied", &pb.ObserveFlowsRequest{Filter: &pb.FlowFilter{Verdict: "DENIED"}, Last: 2}, []uint32{7, 9}},
		{"since", &pb.ObserveFlowsRequest{Since: timestamppb.New(t0.Add(8 * time.Second))}, []uint32{8, 9}},
		{"port", &pb.ObserveFlowsRequest{Filter: &pb.FlowFilter{Port: 40004, Protocol: "tcp"}}, []uint32{4}},
		{"from pod", &pb.ObserveFlowsRequest{Filter: &pb.FlowFilter{FromPod: "x/b", ToPod: "x/a", Identity: 301}}, []uint32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{"other pod", &pb.ObserveFlowsRequest{Filter: &pb.FlowFilter{FromPod: "x/c"}}, nil},
	} {
		stream, err := api.ObserveFlows(ctx, tc.req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := collect(t, stream, -1)
		if g := srcPorts(got); !equalU32(g, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, g, tc.want)
		}
	}
	stream, err := api.ObserveFlows(ctx, &pb.ObserveFlowsRequest{Filter: &pb.FlowFilter{Verdict: "DROPPED"}})
	if err == nil {
		_, err = stream.Recv()
	}
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), `unknown verdict "DROPPED"`) {
		t.Errorf("bad verdict: %v", err)
	}
}

func equalU32(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestObserveFlowsFollow: the backlog and the records published after
// subscribing arrive once each, in order, filtered.
func TestObserveFlowsFollow(t *testing.T) {
	s, hub := testServer(t, 64)
	api := serveUnix(t, s)
	for i := range 5 {
		hub.Publish(record(i, flow.VerdictAllowed, "b"))
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	stream, err := api.ObserveFlows(ctx, &pb.ObserveFlowsRequest{Follow: true, Last: 2, Filter: &pb.FlowFilter{FromPod: "x/b"}})
	if err != nil {
		t.Fatal(err)
	}
	backlog, _ := collect(t, stream, 2)
	// The subscription exists once the backlog arrived.
	for i := 5; i < 10; i++ {
		hub.Publish(record(i, flow.VerdictAllowed, "b"))
		hub.Publish(record(100+i, flow.VerdictAllowed, "c")) // filtered out
	}
	live, _ := collect(t, stream, 5)
	if got := srcPorts(append(backlog, live...)); !equalU32(got, []uint32{3, 4, 5, 6, 7, 8, 9}) {
		t.Errorf("follow: got %v", got)
	}
	if st := hub.Stats(); len(st.Consumers) != 1 || !strings.HasPrefix(st.Consumers[0].Name, "observe-") {
		t.Errorf("subscriber not registered: %+v", st)
	}
	cancel()
	// The subscription goes with the stream.
	deadline := time.Now().Add(5 * time.Second)
	for len(hub.Stats().Consumers) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("subscription outlived its stream")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestObserveFlowsSlowClient: a client that does not read loses the
// oldest records of its queue and is told how many.
func TestObserveFlowsSlowClient(t *testing.T) {
	s, hub := testServer(t, 4)
	api := serveUnix(t, s)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	stream, err := api.ObserveFlows(ctx, &pb.ObserveFlowsRequest{Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	// Wait for the subscription, then flood it while the client reads
	// nothing: the transport's buffers fill, then the queue.
	for len(hub.Stats().Consumers) == 0 {
		time.Sleep(time.Millisecond)
	}
	const n = 200_000
	for i := range n {
		hub.Publish(record(i%20000, flow.VerdictAllowed, "b"))
	}
	var flows, lostCount uint64
	for flows+lostCount < n {
		r, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if r.GetFlow() != nil {
			flows++
		}
		if l := r.GetLost(); l != nil {
			if l.GetSource() != pb.LostRecordsSource_LOST_RECORDS_SOURCE_SUBSCRIBER_QUEUE {
				t.Errorf("lost from %v", l.GetSource())
			}
			lostCount += l.GetCount()
		}
	}
	if flows+lostCount != n || lostCount == 0 {
		t.Errorf("received %d and lost %d of %d", flows, lostCount, n)
	}
}

func TestStatusAndErrors(t *testing.T) {
	s, hub := testServer(t, 8)
	hub.AddExporter(nopExporter{})
	api := serveUnix(t, s)
	ctx := t.Context()
	st, err := api.GetStatus(ctx, &pb.GetStatusRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if st.GetVersion() != "v-test" || st.GetNode() != "node-1" || !st.GetHealth().GetReady() || st.GetKernel() == "" ||
		st.GetIdentitySource().GetSource() != "directory /m" || !st.GetStarted().AsTime().Equal(t0) {
		t.Errorf("status: %v", st)
	}
	c := st.GetFlowPipeline().GetConsumers()
	if len(c) != 1 || c[0].GetName() != "otlp" || c[0].GetKind() != "exporter" || c[0].GetExporter().GetExported() != 5 || !c[0].GetHealthy() {
		t.Errorf("status consumers: %v", c)
	}
	if len(st.GetErrors()) == 0 || !strings.Contains(st.GetErrors()[0], "datapath not installed") {
		t.Errorf("status errors on an empty bpffs: %q", st.GetErrors())
	}
	_, err = api.GetEndpointPolicy(ctx, &pb.GetEndpointPolicyRequest{Endpoint: 3})
	if status.Code(err) != codes.FailedPrecondition {
		t.Errorf("policy on an empty bpffs: %v", err)
	}
	_, err = api.ListConnections(ctx, &pb.ListConnectionsRequest{Protocol: "tcpx"})
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("conntrack with a bad protocol: %v", err)
	}
	if err := statusError(inspect.ErrUnknownEndpoint); status.Code(err) != codes.NotFound {
		t.Errorf("unknown endpoint maps to %v", err)
	}
}

type nopExporter struct{}

func (nopExporter) Name() string                                 { return "otlp" }
func (nopExporter) Export(context.Context, []*flow.Record) error { return nil }

// TestServeStops: Serve returns once its context ends, even with a
// following stream open, and removes nothing it should keep.
func TestServeStops(t *testing.T) {
	s, _ := testServer(t, 8)
	ctx, cancel := context.WithCancel(t.Context())
	sock := filepath.Join(t.TempDir(), "zeta.sock")
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, sock, Config{}) }()
	var conn net.Conn
	for conn == nil {
		conn, _ = net.Dial("unix", sock)
		time.Sleep(5 * time.Millisecond)
	}
	conn.Close()
	gc, err := grpc.NewClient("unix://"+sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer gc.Close()
	stream, err := pb.NewObserverClient(gc).ObserveFlows(t.Context(), &pb.ObserveFlowsRequest{Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(stopGrace + 3*time.Second):
		t.Fatal("Serve did not return")
	}
	if _, err := stream.Recv(); err == nil || errors.Is(err, context.Canceled) {
		t.Errorf("stream after stop: %v", err)
	}
}
