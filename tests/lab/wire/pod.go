package wire

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/zeta-net/zeta/tests/lab/plan"
)

// The pods' default gateways, answered by the node side of their veth.
var (
	gateway4 = netip.MustParseAddr("169.254.1.1")
	gateway6 = netip.MustParseAddr("fe80::1")
)

// Pod links pod p, whose namespace must exist, to its node's namespace.
func Pod(node string, p plan.Pod) error {
	if err := sysctl(p.Netns, noDAD...); err != nil {
		return err
	}
	target, err := netns.GetFromName(p.Netns)
	if err != nil {
		return fmt.Errorf("open netns %s: %w", p.Netns, err)
	}
	defer target.Close()
	nh, err := handle(node)
	if err != nil {
		return err
	}
	defer nh.Close()
	veth := &netlink.Veth{
		LinkAttrs:     netlink.LinkAttrs{Name: p.HostVeth},
		PeerName:      "eth0",
		PeerNamespace: netlink.NsFd(target),
	}
	if err := nh.LinkAdd(veth); err != nil {
		return fmt.Errorf("add veth %s for pod %s: %w", p.HostVeth, p.Key(), err)
	}
	hostSide, err := nh.LinkByName(p.HostVeth)
	if err != nil {
		return fmt.Errorf("find veth %s: %w", p.HostVeth, err)
	}
	if err := nh.LinkSetUp(hostSide); err != nil {
		return fmt.Errorf("set veth %s up: %w", p.HostVeth, err)
	}
	for _, a := range []netip.Addr{p.IPv4, p.IPv6} {
		route := &netlink.Route{LinkIndex: hostSide.Attrs().Index, Dst: ipnet(host(a)), Scope: netlink.SCOPE_LINK}
		if err := nh.RouteAdd(route); err != nil {
			return fmt.Errorf("route pod %s to %s: %w", a, p.HostVeth, err)
		}
	}
	return podSide(p, hostSide.Attrs().HardwareAddr)
}

// podSide configures eth0 inside the pod: its addresses, and default
// routes via gateways that resolve to the node side's MAC gw.
func podSide(p plan.Pod, gw net.HardwareAddr) error {
	ph, err := handle(p.Netns)
	if err != nil {
		return err
	}
	defer ph.Close()
	eth0, err := ph.LinkByName("eth0")
	if err != nil {
		return fmt.Errorf("find eth0 of pod %s: %w", p.Key(), err)
	}
	if err := addAddrs(ph, eth0, host(p.IPv4), host(p.IPv6)); err != nil {
		return err
	}
	if err := up(ph, "eth0"); err != nil {
		return err
	}
	for _, via := range []netip.Addr{gateway4, gateway6} {
		family := netlink.FAMILY_V4
		if via.Is6() {
			family = netlink.FAMILY_V6
		}
		neigh := &netlink.Neigh{LinkIndex: eth0.Attrs().Index, Family: family, State: netlink.NUD_PERMANENT, IP: via.AsSlice(), HardwareAddr: gw}
		if err := ph.NeighAdd(neigh); err != nil {
			return fmt.Errorf("add neighbour %s in pod %s: %w", via, p.Key(), err)
		}
		route := &netlink.Route{
			LinkIndex: eth0.Attrs().Index,
			Dst:       ipnet(netip.PrefixFrom(netip.IPv6Unspecified(), 0)),
			Gw:        via.AsSlice(),
			Flags:     int(netlink.FLAG_ONLINK),
		}
		if via.Is4() {
			route.Dst = ipnet(netip.PrefixFrom(netip.IPv4Unspecified(), 0))
		}
		if err := ph.RouteAdd(route); err != nil {
			return fmt.Errorf("add default route via %s in pod %s: %w", via, p.Key(), err)
		}
	}
	return nil
}

// RemovePod deletes the veth of a pod from its node's namespace, which
// removes both ends and the routes through it at once, even while something
// still holds the pod's namespace. A missing veth or node is not an error.
func RemovePod(node string, p plan.Pod) error {
	nh, err := handle(node)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return err
	}
	defer nh.Close()
	link, err := nh.LinkByName(p.HostVeth)
	if errors.As(err, new(netlink.LinkNotFoundError)) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("find veth %s: %w", p.HostVeth, err)
	}
	if err := nh.LinkDel(link); err != nil {
		return fmt.Errorf("delete veth %s of pod %s: %w", p.HostVeth, p.Key(), err)
	}
	return nil
}

// Route routes pod p's addresses in netns via node via's fabric addresses.
func Route(netns string, p plan.Pod, via plan.Node) error {
	h, err := handle(netns)
	if err != nil {
		return err
	}
	defer h.Close()
	for _, pair := range [][2]netip.Addr{{p.IPv4, via.IPv4.Addr()}, {p.IPv6, via.IPv6.Addr()}} {
		route := &netlink.Route{Dst: ipnet(host(pair[0])), Gw: pair[1].AsSlice()}
		if err := h.RouteReplace(route); err != nil {
			return fmt.Errorf("route pod %s via %s in %s: %w", pair[0], pair[1], netns, err)
		}
	}
	return nil
}

// Unroute removes the routes Route added; missing ones are not an error.
func Unroute(netns string, p plan.Pod) error {
	h, err := handle(netns)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return err
	}
	defer h.Close()
	for _, a := range []netip.Addr{p.IPv4, p.IPv6} {
		if err := h.RouteDel(&netlink.Route{Dst: ipnet(host(a))}); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("unroute pod %s in %s: %w", a, netns, err)
		}
	}
	return nil
}
