package plan

import (
	"fmt"
	"net/netip"
)

// Host numbers handed out in a node's pod CIDRs; .0, .1 and .255 stay free.
const (
	firstHost = 2
	lastHost  = 254
)

// allocator hands out nodes and addresses to the pods of one Plan.
type allocator struct {
	nodes []Node
	owner map[netip.Addr]string // address -> pod key or node
	load  map[string]int        // node name -> pods on it
}

func newAllocator(nodes []Node) *allocator {
	a := &allocator{nodes: nodes, owner: map[netip.Addr]string{}, load: map[string]int{}}
	for _, n := range nodes {
		a.owner[n.IPv4.Addr()] = "node " + n.Name
		a.owner[n.IPv6.Addr()] = "node " + n.Name
	}
	return a
}

func (a *allocator) reserve(owner string, addr netip.Addr) error {
	if other, ok := a.owner[addr]; ok {
		return fmt.Errorf("address %s is already %s's", addr, other)
	}
	a.owner[addr] = owner
	return nil
}

// complete gives a pod planned anew its node, if not pinned, and the
// addresses its status does not name.
func (a *allocator) complete(p *Plan, pod *Pod) error {
	if pod.Node == "" {
		pod.Node = a.leastLoaded()
		a.load[pod.Node]++
	}
	node, _ := p.Node(pod.Node)
	for _, slot := range []*netip.Addr{&pod.IPv4, &pod.IPv6} {
		if slot.IsValid() {
			continue
		}
		addr, err := a.next(pod.Key(), node, slot == &pod.IPv6)
		if err != nil {
			return err
		}
		*slot = addr
	}
	return nil
}

// leastLoaded is the node with the fewest pods, the first in name order on
// a tie: pods placed in key order go round-robin.
func (a *allocator) leastLoaded() string {
	best := a.nodes[0].Name
	for _, n := range a.nodes {
		if a.load[n.Name] < a.load[best] {
			best = n.Name
		}
	}
	return best
}

// next hands out the lowest free address of node's pod CIDR.
func (a *allocator) next(owner string, node Node, ipv6 bool) (netip.Addr, error) {
	for h := firstHost; h <= lastHost; h++ {
		addr := netip.AddrFrom4([4]byte{10, 244, byte(node.Index), byte(h)})
		if ipv6 {
			addr = addr6(0x244, node.Index, h)
		}
		if _, used := a.owner[addr]; !used {
			a.owner[addr] = owner
			return addr, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("node %s has no free pod address (IPv6: %t)", node.Name, ipv6)
}

// addr6 is fd00:10:<site>:<subnet>::<host>.
func addr6(site, subnet, host int) netip.Addr {
	var b [16]byte
	b[0], b[1] = 0xfd, 0x00
	b[2], b[3] = 0x00, 0x10
	b[4], b[5] = byte(site>>8), byte(site)
	b[6], b[7] = byte(subnet>>8), byte(subnet)
	b[14], b[15] = byte(host>>8), byte(host)
	return netip.AddrFrom16(b)
}
