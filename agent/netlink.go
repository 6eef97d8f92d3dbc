package agent

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
)

// dumpRetries bounds the retries of a netlink dump that the kernel
// interrupted because the table changed under it.
const dumpRetries = 5

// retryDump runs a netlink dump until it is not interrupted: an
// interrupted dump returns partial results that look complete.
func retryDump[T any](dump func() ([]T, error)) ([]T, error) {
	var err error
	for range dumpRetries {
		var out []T
		out, err = dump()
		if !errors.Is(err, nl.ErrDumpInterrupted) {
			return out, err
		}
	}
	return nil, err
}

// hostAddrs returns the node's own addresses: what the datapath must see
// as the host identity.
func hostAddrs() ([]netip.Addr, error) {
	addrs, err := retryDump(func() ([]netlink.Addr, error) { return netlink.AddrList(nil, netlink.FAMILY_ALL) })
	if err != nil {
		return nil, fmt.Errorf("list node addresses: %w", err)
	}
	var out []netip.Addr
	for _, a := range addrs {
		if ip, ok := netip.AddrFromSlice(a.IP); ok && !ip.IsLoopback() {
			out = append(out, ip.Unmap())
		}
	}
	return out, nil
}

// vethOf finds the host-side interface of a local pod: the device of the
// node's route to the pod's address, which must be direct (no gateway).
func vethOf(ip netip.Addr) (int, error) {
	routes, err := netlink.RouteGet(net.IP(ip.AsSlice()))
	if err != nil {
		return 0, fmt.Errorf("route to %s: %w", ip, err)
	}
	for _, r := range routes {
		if r.Gw != nil || r.LinkIndex == 0 {
			continue
		}
		l, err := netlink.LinkByIndex(r.LinkIndex)
		if err != nil {
			return 0, fmt.Errorf("link of route to %s: %w", ip, err)
		}
		if l.Attrs().Flags&net.FlagLoopback != 0 {
			continue
		}
		return r.LinkIndex, nil
	}
	return 0, fmt.Errorf("no direct route to %s", ip)
}
