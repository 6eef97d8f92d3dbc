package agent

import (
	"fmt"
	"maps"
	"net/netip"

	"github.com/zeta-net/zeta/agent/desired"
	"github.com/zeta-net/zeta/bpf/maps/endpointmap"
	"github.com/zeta-net/zeta/bpf/maps/interceptmap"
	"github.com/zeta-net/zeta/bpf/maps/policymap"
)

// mirror is what the agent knows the maps hold: read from the kernel once
// when the agent adopts them, then kept in step with every write.
type mirror struct {
	ipcache   map[netip.Prefix]uint32
	endpoints map[uint32]endpointmap.Info
	policy    map[policymap.Key]policymap.Value
	intercept map[interceptmap.Key]interceptmap.Value
}

func (a *Agent) readMirror() error {
	ipc, err := a.dp.IPCache.List()
	if err != nil {
		return err
	}
	eps, err := a.dp.Endpoints.List()
	if err != nil {
		return err
	}
	pol, err := a.dp.Policy.List()
	if err != nil {
		return err
	}
	icp, err := a.dp.Intercept.List()
	if err != nil {
		return err
	}
	a.cur = mirror{ipcache: ipc, endpoints: eps, policy: pol, intercept: icp}
	return nil
}

// apply writes the difference between the maps and d, ordered so that no
// packet meets a state that is neither the old one nor the new one where
// the two agree:
//  1. new and changed policy entries: nothing points at new identities yet,
//     and for traffic both states judge alike the union of old and new
//     normalised entries gives the same verdict (see policy.Normalize);
//  2. endpoints (identity and enforcement flags), then attach programs to
//     new ones, so that a program never runs without its endpoint;
//  3. IP cache additions and changes, then removals;
//  4. endpoints that are gone: detach, then forget;
//  5. stale policy entries;
//  6. stale intercept entries.
//
// Intercept entries are written with the policy entries, after the policy
// route that makes steering work: either order of an intercept entry and
// its destination's redirect entry lets connections through, plaintext or
// through the proxy, and the destination's datapath drops plaintext only
// once both are in place.
func (a *Agent) apply(d *desired.State) error {
	for k, v := range d.Policy {
		if old, ok := a.cur.policy[k]; ok && old == v {
			continue
		}
		if err := a.dp.Policy.Update(k, v); err != nil {
			return err
		}
		a.cur.policy[k] = v
	}
	if err := a.applyIntercept(d.Intercept); err != nil {
		return err
	}
	for ifindex, info := range d.Endpoints {
		if old, ok := a.cur.endpoints[ifindex]; !ok || old != info {
			if err := a.dp.Endpoints.Upsert(ifindex, info); err != nil {
				return err
			}
			a.cur.endpoints[ifindex] = info
		}
		if err := a.dp.Attach(int(ifindex)); err != nil {
			return err
		}
	}
	for p, id := range d.IPCache {
		if old, ok := a.cur.ipcache[p]; ok && old == id {
			continue
		}
		if err := a.dp.IPCache.Upsert(p, id); err != nil {
			return err
		}
		a.cur.ipcache[p] = id
	}
	for p := range maps.Clone(a.cur.ipcache) {
		if _, ok := d.IPCache[p]; ok {
			continue
		}
		if err := a.dp.IPCache.Delete(p); err != nil {
			return err
		}
		delete(a.cur.ipcache, p)
	}
	attached := map[uint32]bool{}
	for _, i := range a.dp.Attached() {
		attached[uint32(i)] = true
	}
	for ifindex := range a.cur.endpoints {
		attached[ifindex] = true
	}
	for ifindex := range attached {
		if _, ok := d.Endpoints[ifindex]; ok {
			continue
		}
		if err := a.dp.Detach(int(ifindex)); err != nil {
			return err
		}
		if err := a.dp.Endpoints.Delete(ifindex); err != nil {
			return err
		}
		delete(a.cur.endpoints, ifindex)
		a.log.Info("endpoint removed", "ifindex", ifindex)
	}
	for k := range maps.Clone(a.cur.policy) {
		if _, ok := d.Policy[k]; ok {
			continue
		}
		if err := a.dp.Policy.Delete(k); err != nil {
			return fmt.Errorf("remove stale entry: %w", err)
		}
		delete(a.cur.policy, k)
	}
	for k := range maps.Clone(a.cur.intercept) {
		if _, ok := d.Intercept[k]; ok {
			continue
		}
		if err := a.dp.Intercept.Delete(k); err != nil {
			return fmt.Errorf("remove stale intercept entry: %w", err)
		}
		delete(a.cur.intercept, k)
	}
	return nil
}

// applyIntercept writes new and changed intercept entries, once the
// policy route that delivers steered connections to the proxy is in place
// (also for entries an earlier agent wrote: the route is checked once per
// agent).
func (a *Agent) applyIntercept(want map[interceptmap.Key]interceptmap.Value) error {
	if len(want) == 0 {
		return nil
	}
	if err := a.dp.EnsureProxyRoute(); err != nil {
		return err
	}
	for k, v := range want {
		if old, ok := a.cur.intercept[k]; ok && old == v {
			continue
		}
		if err := a.dp.Intercept.Update(k, v); err != nil {
			return err
		}
		a.cur.intercept[k] = v
	}
	return nil
}
