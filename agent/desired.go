package agent

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/zeta-net/zeta/agent/manifest"
	"github.com/zeta-net/zeta/bpf/maps/endpointmap"
	"github.com/zeta-net/zeta/bpf/maps/policymap"
	"github.com/zeta-net/zeta/identity"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/secid"
)

// desired is everything this node's maps should hold.
type desired struct {
	ipcache   map[netip.Prefix]uint32
	endpoints map[uint32]endpointmap.Info // by ifindex
	policy    map[policymap.Key]policymap.Value
	snapshot  *Snapshot
}

// resolver finds the host-side interface of a local pod's address.
type resolver func(netip.Addr) (ifindex int, err error)

// compute derives the desired maps from the cluster state. Local pods
// whose interface cannot be found yet are left out and picked up by a
// later reconcile.
func (a *Agent) compute(c *cluster, hostAddrs []netip.Addr, resolve resolver) (*desired, error) {
	keys := slices.Sorted(maps.Keys(c.pods))

	labelsOf := map[string]secid.Labels{}
	var live []secid.Labels
	for _, k := range keys {
		p := c.pods[k]
		if len(podIPs(p)) == 0 {
			continue
		}
		l := secid.Labels{Namespace: p.Namespace, Pod: a.cfg.LabelFilter.Apply(p.Labels)}
		if ns := c.namespaces[p.Namespace]; ns != nil {
			l.NamespaceLabels = a.cfg.LabelFilter.Apply(ns.Labels)
		}
		labelsOf[k] = l
		live = append(live, l)
	}
	ids, err := a.ids.Reconcile(live)
	if err != nil {
		return nil, err
	}

	d := &desired{
		ipcache:   map[netip.Prefix]uint32{},
		endpoints: map[uint32]endpointmap.Info{},
		policy:    map[policymap.Key]policymap.Value{},
		snapshot: &Snapshot{
			Node:       a.cfg.Node,
			ByIP:       map[netip.Addr]*Workload{},
			Endpoints:  map[uint32]*Workload{},
			Identities: map[secid.ID]secid.Labels{},
			Rules:      map[policy.RuleID]policy.RuleRef{},
		},
	}
	for _, h := range hostAddrs {
		d.ipcache[netip.PrefixFrom(h, h.BitLen())] = uint32(secid.Host)
	}

	var local []*corev1.Pod
	workloads := map[string]*Workload{}
	for _, k := range keys {
		l, ok := labelsOf[k]
		if !ok {
			continue
		}
		p := c.pods[k]
		id := ids[l.Key()]
		d.snapshot.Identities[id] = l
		w := &Workload{
			Namespace: p.Namespace,
			Name:      p.Name,
			Node:      p.Spec.NodeName,
			Labels:    p.Labels,
			Identity:  id,
			SPIFFEID:  a.spiffeID(p),
			IPs:       podIPs(p),
		}
		workloads[k] = w
		for _, ip := range w.IPs {
			d.ipcache[netip.PrefixFrom(ip, ip.BitLen())] = uint32(id)
			d.snapshot.ByIP[ip] = w
		}
		if p.Spec.NodeName == a.cfg.Node {
			local = append(local, p)
		}
	}

	in := a.compileInput(c, d.snapshot.Identities)
	for _, k := range keys {
		if w := workloads[k]; w != nil {
			in.Pods = append(in.Pods, c.pods[k])
		}
	}
	in.IdentityOf = func(p *corev1.Pod) (secid.ID, bool) {
		w := workloads[manifest.Key(p.Namespace, p.Name)]
		if w == nil {
			return 0, false
		}
		return w.Identity, true
	}
	for _, p := range local {
		w := workloads[manifest.Key(p.Namespace, p.Name)]
		ifindex, err := resolve(w.IPs[0])
		if err != nil {
			a.log.Debug("endpoint interface not found yet", "pod", p.Namespace+"/"+p.Name, "error", err)
			continue
		}
		ep, err := policy.Compile(in, p)
		if err != nil {
			return nil, fmt.Errorf("compile policy of %s/%s: %w", p.Namespace, p.Name, err)
		}
		epID := uint32(ifindex)
		info := endpointmap.Info{ID: epID, Identity: uint32(w.Identity)}
		if ep.EnforceIngress {
			info.Flags |= endpointmap.EnforceIngress
		}
		if ep.EnforceEgress {
			info.Flags |= endpointmap.EnforceEgress
		}
		d.endpoints[uint32(ifindex)] = info
		for _, e := range ep.Entries {
			k, v := policymap.KeyOf(epID, e)
			d.policy[k] = v
		}
		maps.Copy(d.snapshot.Rules, ep.Rules)
		d.snapshot.Endpoints[epID] = w
	}
	return d, nil
}

func (a *Agent) spiffeID(p *corev1.Pod) string {
	id, err := identity.PodID(a.trustDomain, p.Namespace, p.Spec.ServiceAccountName)
	if err != nil {
		return ""
	}
	return id.String()
}

func (a *Agent) compileInput(c *cluster, ids map[secid.ID]secid.Labels) policy.Input {
	var nps []*networkingv1.NetworkPolicy
	invalid := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(c.policies)) {
		np := c.policies[k]
		if err := policy.Validate(np); err != nil {
			// An invalid policy applies nowhere; the rest keeps working.
			invalid[k] = err.Error()
			if a.invalid[k] != err.Error() {
				a.log.Error("ignoring invalid policy", "policy", k, "error", err)
			}
			continue
		}
		nps = append(nps, np)
	}
	a.invalid = invalid
	return policy.Input{NetworkPolicies: nps, Identities: ids, DefaultDeny: a.cfg.DefaultDeny}
}
