package k8ssource_test

import (
	"testing"
	"time"

	"github.com/zeta-net/zeta/agent/desired"
	"github.com/zeta-net/zeta/agent/source"
	"github.com/zeta-net/zeta/tests/kubetest"
)

// outage is how long the test keeps the API server down.
const outage = 3 * time.Second

// TestAPIServerRestart stops the API server under a running source: the
// source keeps its state (no deletions while the server is away), and once
// the server is back it catches up with a change made after the restart.
func TestAPIServerRestart(t *testing.T) {
	s := kubetest.Start(t)
	grantAgent(t, s)
	ctx := t.Context()
	if err := kubetest.CreateNamespace(ctx, s.Client, ns("team-a", nil)); err != nil {
		t.Fatal(err)
	}
	if _, err := kubetest.CreatePod(ctx, s.Client, pod("team-a", "web", "node-1", "10.1.0.1")); err != nil {
		t.Fatal(err)
	}
	w := watch(t, s.AgentConfig, "node-1")
	w.until("the initial state", func(c *desired.Cluster) bool { return hasIP(c, "team-a/web", "10.1.0.1") })

	s.StopAPIServer(t)
	for deadline := time.After(outage); ; {
		select {
		case ev := <-w.events:
			if ev.Type == source.Delete {
				t.Fatalf("the source deleted %T while the API server was down", ev.Object)
			}
			if ev.Type != source.Synced {
				w.cluster.Apply(ev)
			}
			continue
		case <-deadline:
		}
		break
	}
	s.StartAPIServer(t)
	if _, err := kubetest.CreatePod(ctx, s.Client, pod("team-a", "late", "node-2", "10.1.0.9")); err != nil {
		t.Fatal(err)
	}
	seen := w.until("the pod created after the restart", func(c *desired.Cluster) bool { return hasIP(c, "team-a/late", "10.1.0.9") })
	for _, ev := range seen {
		if ev.Type == source.Delete {
			t.Errorf("the source deleted %T across the restart", ev.Object)
		}
	}
	if !hasIP(w.cluster, "team-a/web", "10.1.0.1") {
		t.Error("the pod created before the restart is gone")
	}
}
