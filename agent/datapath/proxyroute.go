package datapath

import (
	"errors"
	"fmt"
	"net"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/zeta-net/zeta/bpf/maps/interceptmap"
)

// The policy route that delivers what zeta_from_pod steers into the proxy
// to the node itself: packets marked interceptmap.MarkToProxy look up
// ProxyRouteTable, whose only route makes every address local. Without it
// bpf_sk_assign has no effect: the kernel would forward the packets to
// their original destination (see lib/intercept.h).
const (
	ProxyRouteTable   = 90
	ProxyRulePriority = 90
)

var proxyFamilies = [...]int{netlink.FAMILY_V4, netlink.FAMILY_V6}

// proxyRoute is the rule and the route of one family.
func proxyRoute(family int, lo int) (*netlink.Rule, *netlink.Route) {
	r := netlink.NewRule()
	r.Family = family
	r.Priority = ProxyRulePriority
	r.Table = ProxyRouteTable
	r.Mark = interceptmap.MarkToProxy
	mask := uint32(interceptmap.MarkMask)
	r.Mask = &mask

	dst := &net.IPNet{IP: net.IPv4zero, Mask: net.CIDRMask(0, 32)}
	if family == netlink.FAMILY_V6 {
		dst = &net.IPNet{IP: net.IPv6zero, Mask: net.CIDRMask(0, 128)}
	}
	return r, &netlink.Route{
		Family:    family,
		Table:     ProxyRouteTable,
		Type:      unix.RTN_LOCAL,
		Scope:     netlink.SCOPE_HOST,
		Dst:       dst,
		LinkIndex: lo,
	}
}

func loopbackIndex() (int, error) {
	lo, err := netlink.LinkByName("lo")
	if err != nil {
		return 0, fmt.Errorf("find loopback: %w", err)
	}
	return lo.Attrs().Index, nil
}

// InstallProxyRoute installs the proxy's policy route for IPv4 and IPv6
// in the calling thread's network namespace. It is idempotent. A node with
// IPv6 disabled (EACCES on the loopback, EAFNOSUPPORT without IPv6 at all)
// has no IPv6 pods to steer and gets the IPv4 route only.
func InstallProxyRoute() error {
	lo, err := loopbackIndex()
	if err != nil {
		return fmt.Errorf("install proxy route: %w", err)
	}
	for _, family := range proxyFamilies {
		rule, route := proxyRoute(family, lo)
		err := netlink.RouteReplace(route)
		if family == netlink.FAMILY_V6 && (errors.Is(err, unix.EACCES) || errors.Is(err, unix.EAFNOSUPPORT)) {
			continue
		}
		if err != nil {
			return fmt.Errorf("install proxy route %s: %w", route.Dst, err)
		}
		if err := netlink.RuleAdd(rule); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("install proxy rule for %s: %w", route.Dst, err)
		}
	}
	return nil
}

// RemoveProxyRoute removes what InstallProxyRoute installed; what is
// already gone is not an error.
func RemoveProxyRoute() error {
	lo, err := loopbackIndex()
	if err != nil {
		return fmt.Errorf("remove proxy route: %w", err)
	}
	var errs []error
	for _, family := range proxyFamilies {
		rule, route := proxyRoute(family, lo)
		if err := netlink.RuleDel(rule); err != nil && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("remove proxy rule for %s: %w", route.Dst, err))
		}
		if err := netlink.RouteDel(route); err != nil && !errors.Is(err, unix.ESRCH) && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("remove proxy route %s: %w", route.Dst, err))
		}
	}
	return errors.Join(errs...)
}

// EnsureProxyRoute installs the proxy's policy route in the calling
// thread's network namespace, the first time only: nothing else removes
// it while the agent runs.
func (d *Datapath) EnsureProxyRoute() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.proxyRoute {
		return nil
	}
	if err := InstallProxyRoute(); err != nil {
		return err
	}
	d.proxyRoute = true
	return nil
}
