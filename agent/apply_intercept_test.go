package agent

import (
	"maps"
	"net/netip"
	"testing"

	"github.com/vishvananda/netlink"

	"github.com/zeta-net/zeta/agent/datapath"
	"github.com/zeta-net/zeta/agent/desired"
	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/maps/endpointmap"
	"github.com/zeta-net/zeta/bpf/maps/interceptmap"
	"github.com/zeta-net/zeta/bpf/maps/policymap"
	"github.com/zeta-net/zeta/tests/netnstest"
)

// TestPrivilegedApplyIntercept: apply writes the intercept entries after installing
// the proxy's policy route (in the agent's network namespace, here the
// test's own), removes stale ones, and a restarted agent reads them back
// into its mirror.
func TestPrivilegedApplyIntercept(t *testing.T) {
	netnstest.Enter(t)
	lo, err := netlink.LinkByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	if err := netlink.LinkSetUp(lo); err != nil { // as on every node
		t.Fatal(err)
	}
	a, cfg := newTestAgent(t, "node-i", nil)
	state := func(entries ...interceptmap.Entry) *desired.State {
		d := &desired.State{
			IPCache:   map[netip.Prefix]uint32{},
			Endpoints: map[uint32]endpointmap.Info{},
			Policy:    map[policymap.Key]policymap.Value{},
			Intercept: map[interceptmap.Key]interceptmap.Value{},
		}
		for _, e := range entries {
			k, v := interceptmap.KeyOf(e)
			d.Intercept[k] = v
		}
		return d
	}
	b80 := interceptmap.Entry{Addr: netip.MustParseAddr("10.0.2.3"), Protocol: bpf.ProtoTCP, Port: 80, PortPrefix: 16,
		ProxyPort: 15008, Flags: interceptmap.MutualTLS}
	b8080 := interceptmap.Entry{Addr: netip.MustParseAddr("fd00::3"), Protocol: bpf.ProtoTCP, Port: 8080, PortPrefix: 16,
		ProxyPort: 15001, Flags: interceptmap.L7}

	first := state(b80, b8080)
	if err := a.apply(first); err != nil {
		t.Fatal(err)
	}
	expectIntercept(t, a, first.Intercept)
	rules, err := netlink.RuleListFiltered(netlink.FAMILY_ALL, &netlink.Rule{Table: datapath.ProxyRouteTable}, netlink.RT_FILTER_TABLE)
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 2 {
		t.Errorf("proxy rules %+v, want one per family", rules)
	}

	second := state(b8080)
	if err := a.apply(second); err != nil {
		t.Fatal(err)
	}
	expectIntercept(t, a, second.Intercept)

	a.close()
	restarted, err := New(cfg, a.log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(restarted.close)
	if !maps.Equal(restarted.cur.intercept, second.Intercept) {
		t.Errorf("restarted agent's mirror %v, want %v", restarted.cur.intercept, second.Intercept)
	}
}

func expectIntercept(t *testing.T, a *Agent, want map[interceptmap.Key]interceptmap.Value) {
	t.Helper()
	got, err := a.dp.Intercept.List()
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(got, want) || !maps.Equal(a.cur.intercept, want) {
		t.Errorf("intercept map %v, mirror %v, want %v", got, a.cur.intercept, want)
	}
}
