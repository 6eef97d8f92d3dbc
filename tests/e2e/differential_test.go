package e2e

import (
	"fmt"
	"github.com/zeta-net/zeta/policy/reach"
	"testing"

	"github.com/zeta-net/zeta/agent/manifest"
	"github.com/zeta-net/zeta/policy/offline"
	"github.com/zeta-net/zeta/tests/conformance"
	"github.com/zeta-net/zeta/tests/lab"
	"github.com/zeta-net/zeta/tests/policygen"
)

// Seeds the live differential test tries: a few in CI, all behind
// -zeta.full. tests/policygen compares the Go and BPF evaluators on all of
// them offline.
const (
	ciSeeds   = 3
	fullSeeds = 300
)

// TestDifferential compares the offline matrix with the live one on
// generated clusters (tests/policygen): one cluster, each seed's manifests
// applied to it in turn. The offline model is built from the manifests
// zeta-lab materialised for its agents, so both judge the same placement.
// A difference prints the seed, the manifests, the cells and the offline
// explanation of each.
func TestDifferential(t *testing.T) {
	n := ciSeeds
	if *full {
		n = fullSeeds
	}
	dir := t.TempDir()
	write := func(seed uint64) *policygen.Scenario {
		t.Helper()
		s := policygen.Generate(seed)
		files, err := s.Files()
		if err != nil {
			t.Fatal(err)
		}
		if err := conformance.WriteFiles(dir, files); err != nil {
			t.Fatal(err)
		}
		return s
	}
	write(0)
	c := up(t, dir, lab.Config{Nodes: offline.DefaultNodes})
	b, err := offline.NewBPF()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	for seed := range uint64(n) {
		if seed%25 == 0 {
			t.Logf("seed %d of %d", seed, n)
		}
		s := write(seed)
		if err := c.Apply(t.Context(), dir); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		set, err := manifest.LoadDir(c.ManifestsDir())
		if err != nil {
			t.Fatal(err)
		}
		m, err := offline.Build(set, offline.DefaultConfig())
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		for _, p := range policygen.Probes {
			want, err := offline.ComputeMatrix(b, m, p.Protocol, p.Port, p.IPv6)
			if err != nil {
				t.Fatal(err)
			}
			live := liveMatrix(t, c, p.Protocol, p.Port, p.IPv6, func(from, to string, allowed bool) bool {
				i, j := index(want.Pods, from), index(want.Pods, to)
				return i >= 0 && j >= 0 && want.Allowed[i][j] == allowed
			})
			got := &offline.Matrix{Matrix: reach.Matrix{Pods: live.Pods, Allowed: live.Allowed}}
			diffs := want.Diff(got)
			if len(diffs) == 0 {
				continue
			}
			cells := make([]string, 0, len(diffs))
			for _, d := range diffs {
				cells = append(cells, "offline, live: "+d)
			}
			for i, from := range want.Pods {
				for j, to := range want.Pods {
					if i < len(got.Allowed) && j < len(got.Allowed[i]) && want.Allowed[i][j] != got.Allowed[i][j] {
						cells = append(cells, explain(b, m, from, to, p))
					}
				}
			}
			t.Error(s.Report(p, cells))
		}
	}
}

func index(pods []string, key string) int {
	for i, p := range pods {
		if p == key {
			return i
		}
	}
	return -1
}

// explain is the offline explanation of one cell, in a line per hook.
func explain(ev offline.Evaluator, m *offline.Model, from, to string, p policygen.Probe) string {
	x, err := offline.Explain(ev, m, from, to, p.Protocol, p.Port, p.IPv6)
	if err != nil {
		return fmt.Sprintf("explain %s -> %s: %v", from, to, err)
	}
	return fmt.Sprintf("offline %s -> %s: egress at %s: %s; ingress at %s: %s",
		from, to, x.Egress.Pod, x.Egress.Why, x.Ingress.Pod, x.Ingress.Why)
}
