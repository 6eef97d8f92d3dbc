package wire

import (
	"fmt"
	"slices"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"github.com/zeta-net/zeta/tests/lab/plan"
)

// bridge links the nodes inside the fabric namespace.
const bridge = "br0"

// Fabric creates the bridge in the fabric namespace, which must exist.
func Fabric(fabric string) error {
	if err := sysctl(fabric, noDAD...); err != nil {
		return err
	}
	h, err := handle(fabric)
	if err != nil {
		return err
	}
	defer h.Close()
	snooping := false // flood multicast, so NDP works without an MLD querier
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: bridge}, MulticastSnooping: &snooping}
	if err := h.LinkAdd(br); err != nil {
		return fmt.Errorf("add bridge in %s: %w", fabric, err)
	}
	return up(h, bridge)
}

// Node sets node n's namespace, which must exist, up as a router and links
// its eth0 to the fabric's bridge.
func Node(fabric string, n plan.Node) error {
	forwarding := []string{"net.ipv4.ip_forward", "1", "net.ipv6.conf.all.forwarding", "1"}
	if err := sysctl(n.Netns, slices.Concat(noDAD, forwarding)...); err != nil {
		return err
	}
	target, err := netns.GetFromName(n.Netns)
	if err != nil {
		return fmt.Errorf("open netns %s: %w", n.Netns, err)
	}
	defer target.Close()
	fh, err := handle(fabric)
	if err != nil {
		return err
	}
	defer fh.Close()
	br, err := fh.LinkByName(bridge)
	if err != nil {
		return fmt.Errorf("find bridge in %s: %w", fabric, err)
	}
	port := fmt.Sprintf("node%d", n.Index)
	veth := &netlink.Veth{
		LinkAttrs:     netlink.LinkAttrs{Name: port, MasterIndex: br.Attrs().Index},
		PeerName:      "eth0",
		PeerNamespace: netlink.NsFd(target),
	}
	if err := fh.LinkAdd(veth); err != nil {
		return fmt.Errorf("link node %s to fabric: %w", n.Name, err)
	}
	if err := up(fh, port); err != nil {
		return err
	}
	nh, err := handle(n.Netns)
	if err != nil {
		return err
	}
	defer nh.Close()
	eth0, err := nh.LinkByName("eth0")
	if err != nil {
		return fmt.Errorf("find eth0 of node %s: %w", n.Name, err)
	}
	if err := addAddrs(nh, eth0, n.IPv4, n.IPv6); err != nil {
		return err
	}
	return up(nh, "eth0")
}
