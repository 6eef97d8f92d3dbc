// Package desired computes what one node's datapath must hold from the
// cluster state: identities for every pod, the IP cache, the node's local
// endpoints with their enforcement flags and policy entries, and a
// snapshot that names what the numbers stand for. It does no I/O of its
// own: the agent passes how to find an endpoint's interface, and offline
// tools pass a made-up one.
package desired

import (
	"fmt"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
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

// State is everything one node's maps should hold.
type State struct {
	IPCache   map[netip.Prefix]uint32
	Endpoints map[uint32]endpointmap.Info // by ifindex, which is also the endpoint ID
	Policy    map[policymap.Key]policymap.Value
	Snapshot  *Snapshot
	// Invalid are the policies that apply nowhere, with why.
	Invalid map[string]error
}

// Config is what the computation needs besides the cluster.
type Config struct {
	Node        string
	LabelFilter secid.Filter
	TrustDomain spiffeid.TrustDomain
	DefaultDeny bool
}

// Resolver finds the host-side interface of a local pod's address.
type Resolver func(netip.Addr) (ifindex int, err error)

// Compute derives the desired maps from the cluster state, numbering
// identities with ids. Local pods whose interface cannot be found yet are
// left out, to be picked up by a later computation.
func Compute(cfg Config, c *Cluster, alloc *secid.Allocator, hostAddrs []netip.Addr, resolve Resolver) (*State, error) {
	keys := slices.Sorted(maps.Keys(c.Pods))

	labelsOf := map[string]secid.Labels{}
	var live []secid.Labels
	for _, k := range keys {
		p := c.Pods[k]
		if len(PodIPs(p)) == 0 {
			continue
		}
		l := secid.Labels{Namespace: p.Namespace, Pod: cfg.LabelFilter.Apply(p.Labels)}
		if ns := c.Namespaces[p.Namespace]; ns != nil {
			l.NamespaceLabels = cfg.LabelFilter.Apply(ns.Labels)
		}
		labelsOf[k] = l
		live = append(live, l)
	}
	ids, err := alloc.Reconcile(live)
	if err != nil {
		return nil, err
	}

	d := &State{
		IPCache:   map[netip.Prefix]uint32{},
		Endpoints: map[uint32]endpointmap.Info{},
		Policy:    map[policymap.Key]policymap.Value{},
		Snapshot: &Snapshot{
			Node:       cfg.Node,
			ByIP:       map[netip.Addr]*Workload{},
			Endpoints:  map[uint32]*Workload{},
			Identities: map[secid.ID]secid.Labels{},
			Rules:      map[policy.RuleID]policy.RuleRef{},
		},
	}
	for _, h := range hostAddrs {
		d.IPCache[netip.PrefixFrom(h, h.BitLen())] = uint32(secid.Host)
	}

	var local []*corev1.Pod
	workloads := map[string]*Workload{}
	for _, k := range keys {
		l, ok := labelsOf[k]
		if !ok {
			continue
		}
		p := c.Pods[k]
		id := ids[l.Key()]
		d.Snapshot.Identities[id] = l
		w := &Workload{
			Namespace: p.Namespace,
			Name:      p.Name,
			Node:      p.Spec.NodeName,
			Labels:    p.Labels,
			Identity:  id,
			SPIFFEID:  spiffeID(cfg.TrustDomain, p),
			IPs:       PodIPs(p),
		}
		workloads[k] = w
		for _, ip := range w.IPs {
			d.IPCache[netip.PrefixFrom(ip, ip.BitLen())] = uint32(id)
			d.Snapshot.ByIP[ip] = w
		}
		if p.Spec.NodeName == cfg.Node {
			local = append(local, p)
		}
	}

	in, invalid := compileInput(c, d.Snapshot.Identities, cfg.DefaultDeny)
	d.Invalid = invalid
	for _, k := range keys {
		if w := workloads[k]; w != nil {
			in.Pods = append(in.Pods, c.Pods[k])
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
			continue // not wired up yet
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
		d.Endpoints[uint32(ifindex)] = info
		for _, e := range ep.Entries {
			k, v := policymap.KeyOf(epID, e)
			d.Policy[k] = v
		}
		maps.Copy(d.Snapshot.Rules, ep.Rules)
		d.Snapshot.Endpoints[epID] = w
	}
	return d, nil
}

func spiffeID(td spiffeid.TrustDomain, p *corev1.Pod) string {
	id, err := identity.PodID(td, p.Namespace, p.Spec.ServiceAccountName)
	if err != nil {
		return ""
	}
	return id.String()
}

// compileInput validates the policies: an invalid one applies nowhere and
// the rest keeps working.
func compileInput(c *Cluster, ids map[secid.ID]secid.Labels, defaultDeny bool) (policy.Input, map[string]error) {
	var nps []*networkingv1.NetworkPolicy
	invalid := map[string]error{}
	for _, k := range slices.Sorted(maps.Keys(c.NetworkPolicies)) {
		np := c.NetworkPolicies[k]
		if err := policy.Validate(np); err != nil {
			invalid[k] = err
			continue
		}
		nps = append(nps, np)
	}
	return policy.Input{NetworkPolicies: nps, Identities: ids, DefaultDeny: defaultDeny}, invalid
}
