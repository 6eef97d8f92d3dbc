package policylat

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/zeta-net/zeta/agent/manifest"
	"github.com/zeta-net/zeta/agent/statefile"
	"github.com/zeta-net/zeta/tests/lab"
	"github.com/zeta-net/zeta/tests/lab/agents"
	"github.com/zeta-net/zeta/tests/lab/materialize"
	"github.com/zeta-net/zeta/tests/lab/plan"
	"github.com/zeta-net/zeta/tests/netnstest"
)

var agentBin string

// TestMain builds the agent for the benchmark, only when one runs: the
// package has no tests, and `go test ./...` should not pay for a build.
func TestMain(m *testing.M) {
	flag.Parse()
	if os.Geteuid() == 0 && flag.Lookup("test.bench").Value.String() != "" {
		dir, err := os.MkdirTemp("", "zeta-policylat-bin-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if agentBin, err = agents.Build(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		code := m.Run()
		os.RemoveAll(dir)
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// changeFile is the file the benchmark rewrites, as an operator would
// edit one policy's file.
const changeFile = "zz-change.yaml"

// BenchmarkPolicyChange changes one policy b.N times, each time changing
// the port it allows, and measures from writing the file to every agent
// reporting that its maps enforce the new content (the agent reports the
// content's hash only after writing the maps). It reports the latency's
// p50 and p99 in milliseconds.
func BenchmarkPolicyChange(b *testing.B) {
	netnstest.RequireRoot(b)
	shape := Shape{Pods: 1000, Real: 20, Policies: 100}
	src := b.TempDir()
	data, err := clusterYAML(shape)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "cluster.yaml"), data, 0o600); err != nil {
		b.Fatal(err)
	}
	c := up(b, src)
	// scratch mirrors the agents' directory, so that the hash of the next
	// content is known before the change is made.
	scratch := b.TempDir()
	cluster, err := os.ReadFile(filepath.Join(c.ManifestsDir(), materialize.File))
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(scratch, materialize.File), cluster, 0o600); err != nil {
		b.Fatal(err)
	}
	nodes := c.Nodes()
	var lat []time.Duration
	i := 0
	for b.Loop() {
		b.StopTimer()
		change, err := marshal(policy("ns0", "changing", 0, 9000+i%1000))
		if err != nil {
			b.Fatal(err)
		}
		i++
		if err := os.WriteFile(filepath.Join(scratch, changeFile), change, 0o600); err != nil {
			b.Fatal(err)
		}
		next, err := manifest.LoadDir(scratch)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		if err := statefile.WriteFile(filepath.Join(c.ManifestsDir(), changeFile), change); err != nil {
			b.Fatal(err)
		}
		if err := waitApplied(b.Context(), c, nodes, next.Hash); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[(len(lat)*99)/100]), "p99-ms")
	b.ReportMetric(float64(shape.Pods), "pods")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// waitApplied polls every agent until it reports enforcing hash.
func waitApplied(ctx context.Context, c *lab.Cluster, nodes []plan.Node, hash string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for k, node := range nodes {
		wg.Go(func() {
			for {
				st, err := c.AgentStatus(ctx, node.Name)
				if err == nil && st.Applied == hash {
					return
				}
				select {
				case <-ctx.Done():
					errs[k] = fmt.Errorf("agent on %s: applied %q, want %q: %w", node.Name, st.Applied, hash, err)
					return
				case <-time.After(time.Millisecond):
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// up builds a cluster from dir under a unique name, torn down at the end.
func up(b *testing.B, dir string) *lab.Cluster {
	b.Helper()
	suffix := make([]byte, 3)
	_, _ = rand.Read(suffix)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := lab.Up(ctx, lab.Config{Name: "plat" + hex.EncodeToString(suffix), Manifests: dir, Nodes: 2, Agents: true, AgentBin: agentBin})
	if err != nil {
		b.Fatalf("up: %v", err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := c.Down(ctx); err != nil {
			b.Errorf("down: %v", err)
		}
	})
	return c
}
