package datapath

import (
	"testing"

	"github.com/vishvananda/netlink"

	"github.com/zeta-net/zeta/tests/netnstest"
)

// TestPrivilegedProxyRouteIPv6Disabled: on a node with IPv6 disabled the
// proxy's policy route is installed for IPv4 alone, without an error, and
// removed again.
func TestPrivilegedProxyRouteIPv6Disabled(t *testing.T) {
	netnstest.Enter(t)
	lo, err := netlink.LinkByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	if err := netlink.LinkSetUp(lo); err != nil {
		t.Fatal(err)
	}
	for _, dev := range []string{"all", "lo"} {
		writeSysctl(t, "ipv6/conf/"+dev+"/disable_ipv6", "1")
	}
	if err := InstallProxyRoute(); err != nil {
		t.Fatal(err)
	}
	rules := func() []netlink.Rule {
		rs, err := netlink.RuleListFiltered(netlink.FAMILY_ALL, &netlink.Rule{Table: ProxyRouteTable}, netlink.RT_FILTER_TABLE)
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	if rs := rules(); len(rs) != 1 || rs[0].Family != netlink.FAMILY_V4 {
		t.Errorf("rules %+v, want the IPv4 one", rs)
	}
	if err := RemoveProxyRoute(); err != nil {
		t.Fatal(err)
	}
	if rs := rules(); len(rs) != 0 {
		t.Errorf("rules left: %+v", rs)
	}
}
