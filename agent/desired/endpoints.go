package desired

import (
	"maps"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	corev1 "k8s.io/api/core/v1"

	"github.com/zeta-net/zeta/bpf/maps/endpointmap"
	"github.com/zeta-net/zeta/bpf/maps/policymap"
	"github.com/zeta-net/zeta/identity"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/secid"
)

// endpoints compiles the policy of every local pod whose interface is
// found and fills the endpoints, the policy entries and the snapshot.
func (c *Computer) endpoints(cl *Cluster, d *State, pods []*workload, resolve Resolver) error {
	byPod := make(map[*corev1.Pod]*workload, len(pods))
	all := make([]*corev1.Pod, 0, len(pods))
	for _, w := range pods {
		byPod[w.pod] = w
		all = append(all, w.pod)
	}
	c.comp.SetPeers(policy.Peers{
		Identities: d.Snapshot.Identities,
		Pods:       all,
		IdentitiesOf: func(p *corev1.Pod) []secid.ID {
			if w := byPod[p]; w != nil {
				return w.ids
			}
			return nil
		},
	})
	for _, w := range pods {
		if w.Node != c.cfg.Node {
			continue
		}
		ifindex, err := resolve(w.IPs[0])
		if err != nil {
			continue // not wired up yet
		}
		ep, err := c.comp.Compile(policy.Endpoint{Identity: w.Identity, Pod: w.pod})
		if err != nil {
			return err
		}
		epID := uint32(ifindex)
		d.Endpoints[epID] = endpointmap.Info{ID: epID, Identity: uint32(w.Identity), Flags: c.flags(cl, w.pod, ep)}
		for _, e := range ep.Entries {
			k, v := policymap.KeyOf(epID, e)
			d.Policy[k] = v
		}
		maps.Copy(d.Snapshot.Rules, ep.Rules)
		d.Snapshot.Endpoints[epID] = w.Workload
	}
	return nil
}

// flags are an endpoint's enforcement flags: the directions its policy
// enforces, and audit mode in both if the agent or its namespace asks.
func (c *Computer) flags(cl *Cluster, p *corev1.Pod, ep policy.EndpointPolicy) endpointmap.Flags {
	var f endpointmap.Flags
	if ep.EnforceIngress {
		f |= endpointmap.EnforceIngress
	}
	if ep.EnforceEgress {
		f |= endpointmap.EnforceEgress
	}
	if ns := cl.Namespaces[p.Namespace]; c.cfg.AuditMode || (ns != nil && ns.Annotations[AuditModeAnnotation] == "true") {
		f |= endpointmap.AuditIngress | endpointmap.AuditEgress
	}
	return f
}

func spiffeID(td spiffeid.TrustDomain, p *corev1.Pod) string {
	id, err := identity.PodID(td, p.Namespace, p.Spec.ServiceAccountName)
	if err != nil {
		return ""
	}
	return id.String()
}
