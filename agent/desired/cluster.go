package desired

import (
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/zeta-net/zeta/agent/manifest"
	"github.com/zeta-net/zeta/agent/source"
	"github.com/zeta-net/zeta/api/v1alpha1"
)

// Cluster is the state a source has described so far. Maps are keyed by
// name for cluster-scoped objects and by "namespace/name" for namespaced
// ones. Objects are never modified once stored, only replaced: the policy
// compiler knows an unchanged policy by its pointer.
type Cluster struct {
	Namespaces               map[string]*corev1.Namespace
	Pods                     map[string]*corev1.Pod
	NetworkPolicies          map[string]*networkingv1.NetworkPolicy
	ZeroTrustPolicies        map[string]*v1alpha1.ZeroTrustPolicy
	ClusterZeroTrustPolicies map[string]*v1alpha1.ClusterZeroTrustPolicy
}

// NewCluster returns an empty cluster.
func NewCluster() *Cluster {
	return &Cluster{
		Namespaces:               map[string]*corev1.Namespace{},
		Pods:                     map[string]*corev1.Pod{},
		NetworkPolicies:          map[string]*networkingv1.NetworkPolicy{},
		ZeroTrustPolicies:        map[string]*v1alpha1.ZeroTrustPolicy{},
		ClusterZeroTrustPolicies: map[string]*v1alpha1.ClusterZeroTrustPolicy{},
	}
}

// ClusterOf is the cluster a manifest set describes.
func ClusterOf(set *manifest.Set) *Cluster {
	return &Cluster{
		Namespaces:               set.Namespaces,
		Pods:                     set.Pods,
		NetworkPolicies:          set.NetworkPolicies,
		ZeroTrustPolicies:        set.ZeroTrustPolicies,
		ClusterZeroTrustPolicies: set.ClusterZeroTrustPolicies,
	}
}

// Apply applies an Upsert or Delete event.
func (c *Cluster) Apply(ev source.Event) {
	del := ev.Type == source.Delete
	switch o := ev.Object.(type) {
	case *corev1.Namespace:
		put(c.Namespaces, o.Name, o, del)
	case *corev1.Pod:
		put(c.Pods, manifest.Key(o.Namespace, o.Name), o, del)
	case *networkingv1.NetworkPolicy:
		put(c.NetworkPolicies, manifest.Key(o.Namespace, o.Name), o, del)
	case *v1alpha1.ZeroTrustPolicy:
		put(c.ZeroTrustPolicies, manifest.Key(o.Namespace, o.Name), o, del)
	case *v1alpha1.ClusterZeroTrustPolicy:
		put(c.ClusterZeroTrustPolicies, o.Name, o, del)
	}
}

// put stores or deletes one object.
func put[T any](m map[string]T, key string, o T, del bool) {
	if del {
		delete(m, key)
	} else {
		m[key] = o
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
