package agent

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/zeta-net/zeta/agent/apiclient"
	"github.com/zeta-net/zeta/agent/datapath"
	"github.com/zeta-net/zeta/agent/flow"
	"github.com/zeta-net/zeta/agent/source"
	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/maps/eventmap"
	"github.com/zeta-net/zeta/policy"
)

// syncedSource reports an empty cluster once and waits.
type syncedSource struct{}

func (syncedSource) Run(ctx context.Context, events chan<- source.Event) error {
	events <- source.Event{Type: source.Synced, Revision: "r1"}
	<-ctx.Done()
	return nil
}

func (syncedSource) String() string { return "test source" }

// recordingExporter keeps what it gets and notes that it was closed.
type recordingExporter struct {
	mu     sync.Mutex
	got    []*flow.Record
	closed bool
}

func (r *recordingExporter) Name() string { return "recorder" }

func (r *recordingExporter) Export(_ context.Context, batch []*flow.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, batch...)
	return nil
}

func (r *recordingExporter) Close(context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	return nil
}

func (r *recordingExporter) count() (int, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got), r.closed
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestAgentObservers runs an agent on an empty cluster and checks what it
// shows of itself: the API on zeta.sock, the metrics on TCP, and an
// exporter driven from its queue and closed when the agent stops.
func TestAgentObservers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: loads the datapath")
	}
	cfg := DefaultConfig()
	cfg.Node, cfg.Version = "node-t", "v-test"
	cfg.BPFFSRoot = fmt.Sprintf("/sys/fs/bpf/zeta-agent-test-%x", rand.Uint64())
	cfg.StateDir = t.TempDir()
	cfg.MetricsAddress = freePort(t)
	t.Cleanup(func() {
		if err := datapath.Uninstall(cfg.BPFFSRoot); err != nil {
			t.Errorf("uninstall: %v", err)
		}
	})
	a, err := New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	rec := &recordingExporter{}
	a.AddExporter(rec)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, syncedSource{}) }()

	var c *apiclient.Client
	for deadline := time.Now().Add(10 * time.Second); c == nil; time.Sleep(20 * time.Millisecond) {
		c, err = apiclient.Dial(ctx, filepath.Join(cfg.StateDir, APISocket))
		if err != nil && time.Now().After(deadline) {
			t.Fatalf("api: %v", err)
		}
	}
	defer c.Close()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		st, err := c.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Agent.Health != nil && st.Agent.Health.Ready {
			if st.Node != "node-t" || st.Version != "v-test" || st.IdentitySource.Source != "test source" ||
				st.FlowPipeline == nil || len(st.FlowPipeline.Consumers) != 2 || st.FlowPipeline.BufferSize != cfg.Flows.Buffer {
				t.Errorf("status: %+v", st)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never ready: %+v", st.Agent)
		}
	}

	// A record reaches both exporters and the API.
	a.flows.Process(&eventmap.Event{Verdict: policy.Deny, Direction: policy.Egress, Protocol: bpf.ProtoUDP, Family: bpf.FamilyIPv4}, time.Now())
	var got []*flow.Record
	if err := c.Flows(ctx, apiclient.Observe{}, func(r *flow.Record) error { got = append(got, r); return nil }, nil); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Verdict != flow.VerdictDenied {
		t.Errorf("flows: %+v", got)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if n, _ := rec.count(); n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the exporter got nothing")
		}
	}

	resp, err := http.Get("http://" + cfg.MetricsAddress + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`zeta_build_info{go_version="go`,
		`zeta_flow_records_total{direction="egress",verdict="DENIED"} 1`,
		`zeta_flow_consumer_queue_capacity_records{consumer="flowlog",kind="exporter"} 2048`,
		`zeta_flow_consumer_delivered_records_total{consumer="recorder",kind="exporter"} 1`,
		`zeta_flow_buffer_records 1`,
		`zeta_flow_events_lost_total 0`,
		`zeta_conntrack_capacity_entries`,
		`zeta_policy_capacity_entries`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}

	// The collector describes what it collects and passes the linter.
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(newCollector(a))
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Errorf("metrics lint: %v %+v", err, problems)
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, closed := rec.count(); !closed {
		t.Error("the exporter was not closed")
	}
	if _, err := os.Stat(filepath.Join(cfg.StateDir, FlowsFile)); err != nil {
		t.Errorf("flow log: %v", err)
	}
}
