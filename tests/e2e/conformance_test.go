package e2e

import (
	"context"
	"flag"
	"net/netip"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/zeta-net/zeta/policy/offline"
	"github.com/zeta-net/zeta/tests/conformance"
	"github.com/zeta-net/zeta/tests/lab"
)

// full runs every conformance case and every differential seed live; by
// default a representative subset runs.
var full = flag.Bool("zeta.full", false, "run every conformance case and all differential seeds live (slow)")

// Timeouts of one probe in the live suites: of the matrix's, and of a
// cell's probed again.
const (
	liveProbe   = 500 * time.Millisecond
	liveReprobe = 2 * time.Second
)

// TestConformance runs the conformance cases (tests/conformance) against
// real agents: one cluster of the suite's nine pods, each step applied to
// it in turn, and the matrices probed. Without -zeta.full only the cases
// marked CI run; the others are skipped saying so. Every case also runs
// offline, in tests/conformance.
func TestConformance(t *testing.T) {
	dir := t.TempDir()
	files, err := conformance.Files(conformance.Step{}, func(string, bool) (netip.Addr, bool) { return netip.Addr{}, false })
	if err != nil {
		t.Fatal(err)
	}
	if err := conformance.WriteFiles(dir, files); err != nil {
		t.Fatal(err)
	}
	c := up(t, dir, lab.Config{Nodes: offline.DefaultNodes})
	addrs := func(pod string, ipv6 bool) (netip.Addr, bool) {
		p, ok := c.Pod(pod)
		if !ok {
			return netip.Addr{}, false
		}
		a := p.Addr(ipv6)
		return a, a.IsValid()
	}
	for _, cs := range conformance.Cases() {
		t.Run(cs.Name, func(t *testing.T) {
			if !cs.CI && !*full {
				t.Skip("not in the CI subset: run with -zeta.full")
			}
			for _, s := range cs.Steps {
				files, err := conformance.Files(s, addrs)
				if err != nil {
					t.Fatal(err)
				}
				if err := conformance.WriteFiles(dir, files); err != nil {
					t.Fatal(err)
				}
				if err := c.Apply(t.Context(), dir); err != nil {
					t.Fatalf("step %q: %v", s.Name, err)
				}
				for _, e := range s.Expect {
					m := liveMatrix(t, c, e.Protocol, e.Port, e.IPv6, func(from, to string, allowed bool) bool {
						return allowed == e.Reach.Allowed(from, to)
					})
					if diffs, grid := e.Reach.Compare(m.Pods, m.Allowed); len(diffs) > 0 {
						t.Errorf("step %q, %s:\n%s\n%s", s.Name, e, strings.Join(diffs, "\n"), grid)
					}
				}
			}
		})
	}
}

// liveMatrix probes every pair of pods and probes again, up to twice and
// with a longer timeout, the cells that ok rejects, so that a probe that
// lost a race (a timeout on a loaded machine, IPv6 neighbour discovery
// towards a new pod, a stale conntrack entry of an earlier step's UDP probe
// on a reused source port) is not reported as a difference; a cell that
// changes when probed again is logged.
func liveMatrix(t *testing.T, c *lab.Cluster, proto corev1.Protocol, port int32, ipv6 bool, ok func(from, to string, allowed bool) bool) *lab.Matrix {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	opts := lab.ProbeOptions{IPv6: ipv6, Timeout: liveProbe}
	m, err := c.Matrix(ctx, proto, port, opts)
	if err != nil {
		t.Fatalf("matrix: %v", err)
	}
	for i, from := range m.Pods {
		for j, to := range m.Pods {
			for try := 0; try < 2 && !ok(from, to, m.Allowed[i][j]); try++ {
				again, err := c.Probe(ctx, from, to, proto, port, lab.ProbeOptions{IPv6: ipv6, Timeout: liveReprobe})
				if err != nil {
					t.Fatalf("probe %s -> %s: %v", from, to, err)
				}
				if again != m.Allowed[i][j] {
					t.Logf("%s/%d IPv6 %t: %s -> %s was %t, %t when probed again", proto, port, ipv6, from, to, m.Allowed[i][j], again)
				}
				m.Allowed[i][j] = again
			}
		}
	}
	return m
}
