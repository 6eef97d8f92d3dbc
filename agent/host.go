package agent

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/vishvananda/netlink"
)

// host is what a reconcile reads of the node besides the cluster state:
// the node's addresses and its network interfaces. The periodic resync
// exists to pick up interfaces that appeared without a route event; when
// the source sent nothing, no route event came and the host is the same,
// it has nothing to do (see loop).
type host struct {
	addrs []netip.Addr
	links []hostLink // by ifindex
}

// hostLink names one interface.
type hostLink struct {
	index int
	name  string
}

// readHost reads the node's addresses and interfaces.
func readHost() (host, error) {
	addrs, err := hostAddrs()
	if err != nil {
		return host{}, err
	}
	links, err := retryDump(netlink.LinkList)
	if err != nil {
		return host{}, fmt.Errorf("list interfaces: %w", err)
	}
	h := host{addrs: addrs, links: make([]hostLink, 0, len(links))}
	for _, l := range links {
		h.links = append(h.links, hostLink{index: l.Attrs().Index, name: l.Attrs().Name})
	}
	slices.SortFunc(h.links, func(a, b hostLink) int { return a.index - b.index })
	slices.SortFunc(h.addrs, netip.Addr.Compare)
	return h, nil
}

func (h host) equal(o host) bool {
	return slices.Equal(h.addrs, o.addrs) && slices.Equal(h.links, o.links)
}
