package e2e

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/zeta-net/zeta/tests/lab"
)

// TestAgentRestartKeepsEnforcing restarts the agent of a's node while
// probes run without pause: every probe from b (allowed) must succeed and
// every probe from c (denied) must fail, before, during and after the
// restart.
func TestAgentRestartKeepsEnforcing(t *testing.T) {
	dir := manifests(t, map[string]string{"cluster.yaml": cluster, "deny.yaml": denyIngressToA, "allow.yaml": allowBToA})
	c := up(t, dir, lab.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var probes, wrong atomic.Int64
	var wg sync.WaitGroup
	for _, p := range []struct {
		from string
		want bool
	}{{"x/b", true}, {"x/c", false}} {
		wg.Go(func() {
			for ctx.Err() == nil {
				got, err := c.Probe(ctx, p.from, "x/a", corev1.ProtocolTCP, 80, lab.ProbeOptions{Timeout: 300 * time.Millisecond})
				if ctx.Err() != nil {
					return
				}
				probes.Add(1)
				if err != nil || got != p.want {
					wrong.Add(1)
					t.Errorf("probe %s -> x/a at %s: %v, %v; want %v", p.from, time.Now().Format(time.StampMilli), got, err, p.want)
				}
			}
		})
	}

	time.Sleep(500 * time.Millisecond)
	for range 2 {
		rctx, rcancel := context.WithTimeout(ctx, time.Minute)
		err := c.RestartAgent(rctx, "node-1")
		rcancel()
		if err != nil {
			t.Fatalf("restart agent: %v", err)
		}
	}
	time.Sleep(500 * time.Millisecond)
	cancel()
	wg.Wait()
	if probes.Load() < 10 || wrong.Load() != 0 {
		t.Fatalf("%d probes, %d wrong", probes.Load(), wrong.Load())
	}
	t.Logf("%d probes during two restarts, none wrong", probes.Load())
}
