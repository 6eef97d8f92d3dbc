package tunnel

import (
	"context"
	"fmt"
	"net/netip"
	"sync"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
)

// svids is an SVIDSource whose SVIDs the test sets.
type svids struct {
	mu      sync.Mutex
	byID    map[spiffeid.ID]*x509svid.SVID
	bundles *x509bundle.Set
	revoked map[spiffeid.ID]bool
}

func newSVIDs(bundles ...*x509bundle.Bundle) *svids {
	return &svids{byID: make(map[spiffeid.ID]*x509svid.SVID), bundles: x509bundle.NewSet(bundles...), revoked: make(map[spiffeid.ID]bool)}
}

func (s *svids) set(svid *x509svid.SVID) {
	s.mu.Lock()
	s.byID[svid.ID] = svid
	s.mu.Unlock()
}

func (s *svids) SVID(_ context.Context, id spiffeid.ID) (*x509svid.SVID, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.byID[id]; ok {
		return v, nil
	}
	return nil, fmt.Errorf("no svid for %s", id)
}

func (s *svids) Bundles() x509bundle.Source { return s.bundles }

func (s *svids) Revoked(id spiffeid.ID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.revoked[id]
}

// cluster is the agent's view for both sides: workloads by address,
// routes, and an allow-list of (peer, port).
type cluster struct {
	mu      sync.Mutex
	pods    map[netip.Addr]Workload
	routes  map[netip.AddrPort]Route
	allowed map[string]bool // "peer|port"
}

func newCluster() *cluster {
	return &cluster{pods: make(map[netip.Addr]Workload), routes: make(map[netip.AddrPort]Route), allowed: make(map[string]bool)}
}

func (c *cluster) addPod(ip netip.Addr, w Workload) {
	c.mu.Lock()
	c.pods[ip] = w
	c.mu.Unlock()
}

func (c *cluster) route(dst netip.AddrPort, r Route) {
	c.mu.Lock()
	c.routes[dst] = r
	c.mu.Unlock()
}

func (c *cluster) allow(peer spiffeid.ID, port uint16, ok bool) {
	c.mu.Lock()
	c.allowed[fmt.Sprintf("%s|%d", peer, port)] = ok
	c.mu.Unlock()
}

// Source implements Resolver.
func (c *cluster) Source(ip netip.Addr) (Workload, bool) { return c.Pod(ip) }

// Destination implements Resolver.
func (c *cluster) Destination(dst netip.AddrPort) (Route, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.routes[dst]
	return r, ok
}

// Pod implements LocalPods.
func (c *cluster) Pod(ip netip.Addr) (Workload, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	w, ok := c.pods[ip]
	return w, ok
}

// Serves implements LocalPods.
func (c *cluster) Serves(id spiffeid.ID) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, w := range c.pods {
		if w.ID == id {
			return true
		}
	}
	return false
}

// Authorize implements Authorizer.
func (c *cluster) Authorize(peer spiffeid.ID, _ Workload, port uint16) Decision {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.allowed[fmt.Sprintf("%s|%d", peer, port)] {
		return Decision{Allow: true, Rule: "test/allow"}
	}
	return Decision{Rule: "test/default-deny"}
}
