package desired

import (
	"cmp"
	"maps"
	"net/netip"
	"slices"

	corev1 "k8s.io/api/core/v1"

	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/secid"
)

// workload is a pod with addresses, as the computation tracks it.
type workload struct {
	pod *corev1.Pod
	*Workload
	ids []secid.ID // the identity of each address, in Workload.IPs order
}

// podInfo is what a pod gives the computation by itself. It is kept from
// one computation to the next while the pod and its namespace are the
// same objects: sources replace objects that change.
type podInfo struct {
	ns     *corev1.Namespace
	ips    []netip.Addr
	labels secid.Labels // without CIDR memberships
	key    string       // labels.Key()
	spiffe string
	// ports says whether labels carry the pod's named ports.
	ports bool
}

// identities numbers every live label set, each pod address's and each
// policy prefix's, and fills the IP cache and the snapshot with them. It
// returns the pods that have addresses, in key order.
//
// A pod address's labels are the pod's security labels and the policy
// prefixes that contain it, so the addresses of one pod may have
// different identities (one IPv4, one IPv6) when a policy prefix contains
// one of them; the workload's identity is that of its first address. A
// prefix's identity is installed as that prefix: below the pods' host
// entries in the IP cache's longest-prefix match, and below the node's own
// addresses, which stay reserved:host.
func (c *Computer) identities(cl *Cluster, d *State, hostAddrs []netip.Addr) ([]*workload, error) {
	cidrs := secid.NewCIDRSet(c.comp.CIDRs())
	infos := make(map[*corev1.Pod]*podInfo, len(c.pods))
	var pods []*workload
	var keys []string
	var live []secid.Labels
	for _, k := range slices.Sorted(maps.Keys(cl.Pods)) {
		p := cl.Pods[k]
		info := c.podInfo(cl, p)
		infos[p] = info
		if len(info.ips) == 0 {
			continue
		}
		for _, ip := range info.ips {
			l := info.labels
			l.CIDRs = cidrs.Containing(netip.PrefixFrom(ip, ip.BitLen()))
			live = append(live, l)
			keys = append(keys, info.key+secid.CIDRsKey(l.CIDRs))
		}
		pods = append(pods, &workload{pod: p, Workload: &Workload{
			Namespace: p.Namespace,
			Name:      p.Name,
			Node:      p.Spec.NodeName,
			Labels:    p.Labels,
			SPIFFEID:  info.spiffe,
			IPs:       info.ips,
		}})
	}
	c.pods = infos
	podAddrs := len(live) // the pods' addresses come first, then the prefixes
	members := cidrs.Members()
	for _, m := range members {
		l := cidrs.Labels(m)
		live = append(live, l)
		keys = append(keys, l.Key())
	}
	ids, err := c.alloc.Assign(keys, live)
	if err != nil {
		return nil, err
	}
	for i, m := range members {
		d.IPCache[m] = uint32(ids[podAddrs+i])
		d.Snapshot.Identities[ids[podAddrs+i]] = live[podAddrs+i]
	}
	for _, h := range hostAddrs {
		d.IPCache[netip.PrefixFrom(h, h.BitLen())] = uint32(secid.Host)
	}
	i := 0
	for _, w := range pods {
		for _, ip := range w.IPs {
			d.IPCache[netip.PrefixFrom(ip, ip.BitLen())] = uint32(ids[i])
			d.Snapshot.Identities[ids[i]] = live[i]
			d.Snapshot.ByIP[ip] = w.Workload
			w.ids = append(w.ids, ids[i])
			i++
		}
		w.Identity = w.ids[0]
	}
	return pods, nil
}

// podInfo returns what pod p gives by itself, from the last computation
// if p and its namespace are unchanged.
func (c *Computer) podInfo(cl *Cluster, p *corev1.Pod) *podInfo {
	ns := cl.Namespaces[p.Namespace]
	ports := c.comp.EgressNamedPorts()
	if info := c.pods[p]; info != nil && info.ns == ns && info.ports == ports {
		return info
	}
	info := &podInfo{ns: ns, ips: PodIPs(p), spiffe: spiffeID(c.cfg.TrustDomain, p), ports: ports}
	info.labels = secid.Labels{
		Namespace:      p.Namespace,
		Pod:            c.cfg.LabelFilter.Apply(p.Labels),
		ServiceAccount: cmp.Or(p.Spec.ServiceAccountName, "default"),
	}
	if ports {
		info.labels.NamedPorts = policy.NamedPortsSignature(p)
	}
	if ns != nil {
		info.labels.NamespaceLabels = c.cfg.LabelFilter.Apply(ns.Labels)
	}
	info.key = info.labels.Key()
	return info
}
