package desired

import (
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/zeta-net/zeta/agent/manifest"
	"github.com/zeta-net/zeta/agent/source"
)

// Cluster is the state a source has described so far. Maps are keyed by
// name for Namespaces and by "namespace/name" for namespaced objects.
type Cluster struct {
	Namespaces      map[string]*corev1.Namespace
	Pods            map[string]*corev1.Pod
	NetworkPolicies map[string]*networkingv1.NetworkPolicy
}

// NewCluster returns an empty cluster.
func NewCluster() *Cluster {
	return &Cluster{
		Namespaces:      map[string]*corev1.Namespace{},
		Pods:            map[string]*corev1.Pod{},
		NetworkPolicies: map[string]*networkingv1.NetworkPolicy{},
	}
}

// ClusterOf is the cluster a manifest set describes.
func ClusterOf(set *manifest.Set) *Cluster {
	return &Cluster{Namespaces: set.Namespaces, Pods: set.Pods, NetworkPolicies: set.NetworkPolicies}
}

// Apply applies an Upsert or Delete event.
func (c *Cluster) Apply(ev source.Event) {
	del := ev.Type == source.Delete
	switch o := ev.Object.(type) {
	case *corev1.Namespace:
		if del {
			delete(c.Namespaces, o.Name)
		} else {
			c.Namespaces[o.Name] = o
		}
	case *corev1.Pod:
		k := manifest.Key(o.Namespace, o.Name)
		if del {
			delete(c.Pods, k)
		} else {
			c.Pods[k] = o
		}
	case *networkingv1.NetworkPolicy:
		k := manifest.Key(o.Namespace, o.Name)
		if del {
			delete(c.NetworkPolicies, k)
		} else {
			c.NetworkPolicies[k] = o
		}
	}
}

// PodIPs returns the addresses of a pod that has a network of its own and
// is not finished. Host-network pods share the node's identity.
func PodIPs(p *corev1.Pod) []netip.Addr {
	if p.Spec.HostNetwork || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
		return nil
	}
	var out []netip.Addr
	seen := map[netip.Addr]bool{}
	add := func(s string) {
		a, err := netip.ParseAddr(s)
		if err != nil || seen[a] {
			return
		}
		seen[a] = true
		out = append(out, a.Unmap())
	}
	add(p.Status.PodIP)
	for _, ip := range p.Status.PodIPs {
		add(ip.IP)
	}
	return out
}
