package agent

import (
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/zeta-net/zeta/agent/manifest"
	"github.com/zeta-net/zeta/agent/source"
)

// cluster is the state a source has described so far.
type cluster struct {
	namespaces map[string]*corev1.Namespace
	pods       map[string]*corev1.Pod
	policies   map[string]*networkingv1.NetworkPolicy
}

func newCluster() *cluster {
	return &cluster{
		namespaces: map[string]*corev1.Namespace{},
		pods:       map[string]*corev1.Pod{},
		policies:   map[string]*networkingv1.NetworkPolicy{},
	}
}

func (c *cluster) apply(ev source.Event) {
	del := ev.Type == source.Delete
	switch o := ev.Object.(type) {
	case *corev1.Namespace:
		if del {
			delete(c.namespaces, o.Name)
		} else {
			c.namespaces[o.Name] = o
		}
	case *corev1.Pod:
		k := manifest.Key(o.Namespace, o.Name)
		if del {
			delete(c.pods, k)
		} else {
			c.pods[k] = o
		}
	case *networkingv1.NetworkPolicy:
		k := manifest.Key(o.Namespace, o.Name)
		if del {
			delete(c.policies, k)
		} else {
			c.policies[k] = o
		}
	}
}

// podIPs returns the addresses of a pod that has a network of its own and
// is not finished. Host-network pods share the node's identity.
func podIPs(p *corev1.Pod) []netip.Addr {
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
