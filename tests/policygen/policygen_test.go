package policygen

import (
	"flag"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/zeta-net/zeta/policy/offline"
	"github.com/zeta-net/zeta/tests/netnstest"
)

var seeds = flag.Int("policygen.seeds", 300, "how many seeds the differential test tries")

func TestDeterministic(t *testing.T) {
	for seed := range uint64(20) {
		a, errA := Generate(seed).YAML()
		b, errB := Generate(seed).YAML()
		if errA != nil || errB != nil || a != b {
			t.Fatalf("seed %d generated twice differs (%v, %v)", seed, errA, errB)
		}
	}
	one, _ := Generate(1).YAML()
	two, _ := Generate(2).YAML()
	if one == two {
		t.Error("seeds 1 and 2 generate the same scenario")
	}
}

// TestScenariosValid checks, without privileges, that scenarios load and
// that the compiler accepts every policy they hold.
func TestScenariosValid(t *testing.T) {
	for seed := range uint64(50) {
		if _, err := Generate(seed).Model(t.TempDir()); err != nil {
			t.Error(err)
		}
	}
}

// TestDifferential judges every probe of every scenario three ways and
// compares:
//   - the datapath programs and policy.Evaluate, over the same compiled
//     entries: each hook's outcome (verdict, reason, rule, peer identity)
//     must be the same;
//   - the datapath and the NetworkPolicy API read literally (Reference):
//     a difference is Zeta departing from upstream semantics. Differences
//     the known limitation of egress named ports explains
//     (ReferenceSharedNames) are logged, naming it; any other fails.
func TestDifferential(t *testing.T) {
	netnstest.RequireRoot(t)
	b, err := offline.NewBPF()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var st stats
	for seed := range uint64(*seeds) {
		s := Generate(seed)
		m, err := s.Model(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		st.scenario(s)
		for _, p := range Probes {
			gm, err := offline.ComputeMatrix(offline.Go{}, m, p.Protocol, p.Port, p.IPv6)
			if err != nil {
				t.Fatal(err)
			}
			bm, err := offline.ComputeMatrix(b, m, p.Protocol, p.Port, p.IPv6)
			if err != nil {
				t.Fatal(err)
			}
			st.matrix(bm)
			if cells := goVersusBPF(gm, bm); len(cells) > 0 {
				t.Error("go and bpf differ: " + s.Report(p, cells))
			}
			cells, limited := referenceVersusBPF(t, b, m, p, bm)
			if len(cells) > 0 {
				t.Error("bpf and the reference differ: " + s.Report(p, cells))
			}
			if len(limited) > 0 {
				st.limited++
				t.Logf("seed %d, %s: known limitation, egress named ports resolve per identity, not per pod "+
					"(pods of one identity that name ports differently are allowed on all those ports):\n  %s",
					seed, p, strings.Join(limited, "\n  "))
			}
		}
	}
	t.Logf("%d scenarios: %s", *seeds, st)
	st.check(t)
}

func goVersusBPF(gm, bm *offline.Matrix) []string {
	var cells []string
	for i := range gm.Pods {
		for j := range gm.Pods {
			if g, k := gm.Judgements[i][j], bm.Judgements[i][j]; !reflect.DeepEqual(g, k) {
				cells = append(cells, fmt.Sprintf("%s -> %s: go egress %s ingress %s; bpf egress %s ingress %s",
					g.From, g.To, g.Egress, g.Ingress, k.Egress, k.Ingress))
			}
		}
	}
	return cells
}

// referenceVersusBPF returns the cells where bm differs from Reference,
// apart from those the named-port limitation explains (limited).
func referenceVersusBPF(t *testing.T, b *offline.BPF, m *offline.Model, p Probe, bm *offline.Matrix) (cells, limited []string) {
	t.Helper()
	for i, from := range bm.Pods {
		for j, to := range bm.Pods {
			got := bm.Allowed[i][j]
			if got == Reference(m.Set, from, to, p.Protocol, p.Port, p.IPv6) {
				continue
			}
			x, err := offline.Explain(b, m, from, to, p.Protocol, p.Port, p.IPv6)
			if err != nil {
				t.Fatal(err)
			}
			cell := fmt.Sprintf("%s -> %s: bpf %t, reference %t; egress: %s; ingress: %s", from, to, got, !got, x.Egress.Why, x.Ingress.Why)
			if got == ReferenceSharedNames(m.Set, from, to, p.Protocol, p.Port, p.IPv6) {
				limited = append(limited, cell)
			} else {
				cells = append(cells, cell)
			}
		}
	}
	return cells, limited
}

// stats tell whether the scenarios exercise what they should.
type stats struct {
	policies, ipBlocks, named, exprs, egress int
	allowed, denied                          int
	limited                                  int // matrices the named-port limitation changes
}

func (s *stats) scenario(sc *Scenario) {
	s.policies += len(sc.Policies)
	y, _ := sc.YAML()
	for _, p := range sc.Policies {
		if len(p.Spec.Egress) > 0 {
			s.egress++
		}
	}
	s.ipBlocks += strings.Count(y, "ipBlock:")
	s.named += strings.Count(y, "port: web") + strings.Count(y, "port: dns")
	s.exprs += strings.Count(y, "matchExpressions:")
}

func (s *stats) matrix(m *offline.Matrix) {
	for i := range m.Pods {
		for j := range m.Pods {
			if i == j {
				continue
			}
			if m.Allowed[i][j] {
				s.allowed++
			} else {
				s.denied++
			}
		}
	}
}

func (s stats) String() string {
	return fmt.Sprintf("%d policies (%d with egress rules), %d ipBlocks, %d named ports, %d matchExpressions; "+
		"%d cells allowed, %d denied; %d matrices differ from the reference by the named-port limitation only",
		s.policies, s.egress, s.ipBlocks, s.named, s.exprs, s.allowed, s.denied, s.limited)
}

// check fails when a part of the API went unexercised or the verdicts are
// lopsided: a generator that stopped generating something.
func (s stats) check(t *testing.T) {
	if *seeds < 100 {
		return
	}
	for name, n := range map[string]int{"policies": s.policies, "egress": s.egress, "ipBlocks": s.ipBlocks,
		"named ports": s.named, "matchExpressions": s.exprs} {
		if n < *seeds/10 {
			t.Errorf("only %d %s in %d scenarios", n, name, *seeds)
		}
	}
	if total := s.allowed + s.denied; s.denied < total/10 || s.allowed < total/10 {
		t.Errorf("%d cells allowed and %d denied: too lopsided to test much", s.allowed, s.denied)
	}
}
