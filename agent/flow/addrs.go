package flow

import "net/netip"

// maxAddrs bounds the address cache; when it is full it starts over.
const maxAddrs = 1 << 16

// addrs caches the text of the addresses the reader sees: a node's flows
// name the same pods again and again, and formatting an address costs an
// allocation per end per record. Owned by the reader.
type addrs struct{ m map[netip.Addr]string }

func (a *addrs) text(ip netip.Addr) string {
	if s, ok := a.m[ip]; ok {
		return s
	}
	if a.m == nil || len(a.m) >= maxAddrs {
		a.m = make(map[netip.Addr]string, 1024)
	}
	s := ip.String()
	a.m[ip] = s
	return s
}
