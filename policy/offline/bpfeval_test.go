package offline

import (
	"testing"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/tests/netnstest"
)

// TestBPFSourcePortsWrap runs probes across the end of the source ports:
// the conntrack table is cleared as they start over, so an allowed probe
// of before cannot let a denied one through after.
func TestBPFSourcePortsWrap(t *testing.T) {
	netnstest.RequireRoot(t)
	b, err := NewBPF()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	open := build(t, DefaultConfig(), testCluster)
	enforced := build(t, DefaultConfig(), testCluster, testPolicies)
	judge := func(m *Model, want bool) {
		t.Helper()
		j, err := Judge(b, m, "x/c", "x/a", bpf.ProtoTCP, 80, false)
		if err != nil {
			t.Fatal(err)
		}
		if j.Allowed != want {
			t.Fatalf("c->a at source port %d: allowed %t, want %t", b.slots[0].sport, j.Allowed, want)
		}
	}
	// Source ports 1024 (c's egress) and 1025 (a's ingress), both of
	// node-1, are now in conntrack as allowed.
	judge(open, true)
	b.slots[0].sport = lastSourcePort
	// The same ports again, after the wrap.
	judge(enforced, false)
	judge(open, true)
}
