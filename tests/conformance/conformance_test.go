package conformance

import (
	"os"
	"strings"
	"testing"

	"github.com/zeta-net/zeta/policy/offline"
)

// TestOffline runs every case offline: through the datapath programs as
// root, and in Go always.
func TestOffline(t *testing.T) {
	evs := []offline.Evaluator{offline.Go{}}
	if os.Geteuid() == 0 {
		b, err := offline.NewBPF()
		if err != nil {
			t.Fatalf("as root the datapath must load: %v", err)
		}
		t.Cleanup(func() { b.Close() })
		evs = append(evs, b)
	} else {
		t.Log("not root: the Go evaluator only")
	}
	base, err := BuildOffline(Step{}, offline.DefaultConfig(), "")
	if err != nil {
		t.Fatal(err)
	}
	addrs := ModelAddrs(base)
	for _, ev := range evs {
		t.Run(ev.Name(), func(t *testing.T) {
			for _, c := range Cases() {
				t.Run(c.Name, func(t *testing.T) {
					for _, s := range c.Steps {
						m, err := BuildOffline(s, offline.DefaultConfig(), t.TempDir(), addrs)
						if err != nil {
							t.Fatalf("step %q: %v", s.Name, err)
						}
						if len(m.Invalid) > 0 {
							t.Fatalf("step %q: invalid policies %v", s.Name, m.Invalid)
						}
						for _, e := range s.Expect {
							mx, err := offline.ComputeMatrix(ev, m, e.Protocol, e.Port, e.IPv6)
							if err != nil {
								t.Fatal(err)
							}
							if diffs, grid := e.Reach.Compare(mx.Pods, mx.Allowed); len(diffs) > 0 {
								t.Errorf("step %q, %s:\n%s\n%s", s.Name, e, strings.Join(diffs, "\n"), grid)
							}
						}
					}
				})
			}
		})
	}
}
