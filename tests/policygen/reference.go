package policygen

import (
	"net/netip"
	"slices"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/zeta-net/zeta/agent/manifest"
)

// Reference judges a connection by the NetworkPolicy API's own words, pod
// by pod, with none of Zeta's machinery: no identities, no compiled
// entries, no datapath. It is the third opinion of the differential tests:
// where it and the datapath disagree, Zeta departs from upstream
// semantics. set must be placed (every pod with its addresses), as
// offline.Model.Set is; from and to are pod keys.
func Reference(set *manifest.Set, from, to string, proto corev1.Protocol, port int32, ipv6 bool) bool {
	return reference(set, from, to, proto, port, ipv6, false)
}

// ReferenceSharedNames is Reference with egress named ports resolved as
// Zeta's compiler resolves them, knowing peers only by identity: on every
// pod with the destination's namespace and labels, so that a name one of
// them gives a port allows that port to all of them. Where the datapath
// differs from Reference but not from ReferenceSharedNames, the difference
// is that documented limitation (policy/namedport.go).
func ReferenceSharedNames(set *manifest.Set, from, to string, proto corev1.Protocol, port int32, ipv6 bool) bool {
	return reference(set, from, to, proto, port, ipv6, true)
}

func reference(set *manifest.Set, from, to string, proto corev1.Protocol, port int32, ipv6, shared bool) bool {
	src, dst := set.Pods[from], set.Pods[to]
	if from == to {
		return true
	}
	dstAddr := podAddr(dst, ipv6)
	srcAddr := podAddr(src, ipv6)
	names := []*corev1.Pod{dst}
	if shared {
		names = alike(set, dst)
	}
	return allows(set, src, networkingv1.PolicyTypeEgress, dst, dstAddr, names, proto, port) &&
		allows(set, dst, networkingv1.PolicyTypeIngress, src, srcAddr, []*corev1.Pod{dst}, proto, port)
}

// alike returns the pods of pod's namespace with pod's labels.
func alike(set *manifest.Set, pod *corev1.Pod) []*corev1.Pod {
	var out []*corev1.Pod
	for _, p := range set.Pods {
		if p.Namespace == pod.Namespace && labels.Equals(p.Labels, pod.Labels) {
			out = append(out, p)
		}
	}
	return out
}

// allows reports whether the policies selecting pod for dir let a
// connection with peer (at peerAddr) through: no policy selects it, or a
// rule of one that does matches the peer and the port.
// Named ports resolve on names, the destination pods.
func allows(set *manifest.Set, pod *corev1.Pod, dir networkingv1.PolicyType, peer *corev1.Pod, peerAddr netip.Addr, names []*corev1.Pod, proto corev1.Protocol, port int32) bool {
	isolated := false
	for _, np := range set.NetworkPolicies {
		if np.Namespace != pod.Namespace || !selects(&np.Spec.PodSelector, pod.Labels) || !hasType(np, dir) {
			continue
		}
		isolated = true
		if dir == networkingv1.PolicyTypeIngress {
			for _, r := range np.Spec.Ingress {
				if peersMatch(set, np.Namespace, r.From, peer, peerAddr) && portsMatch(r.Ports, names, proto, port) {
					return true
				}
			}
		} else {
			for _, r := range np.Spec.Egress {
				if peersMatch(set, np.Namespace, r.To, peer, peerAddr) && portsMatch(r.Ports, names, proto, port) {
					return true
				}
			}
		}
	}
	return !isolated
}

// hasType is whether np's policyTypes, as the API server defaults them,
// hold dir.
func hasType(np *networkingv1.NetworkPolicy, dir networkingv1.PolicyType) bool {
	if len(np.Spec.PolicyTypes) == 0 {
		return dir == networkingv1.PolicyTypeIngress || len(np.Spec.Egress) > 0
	}
	return slices.Contains(np.Spec.PolicyTypes, dir)
}

func selects(s *metav1.LabelSelector, l map[string]string) bool {
	sel, err := metav1.LabelSelectorAsSelector(s)
	return err == nil && sel.Matches(labels.Set(l))
}

// peersMatch: an empty list matches everyone; otherwise one peer must.
func peersMatch(set *manifest.Set, ns string, peers []networkingv1.NetworkPolicyPeer, pod *corev1.Pod, addr netip.Addr) bool {
	if len(peers) == 0 {
		return true
	}
	for _, p := range peers {
		switch {
		case p.IPBlock != nil:
			if inBlock(p.IPBlock, addr) {
				return true
			}
		case p.NamespaceSelector != nil:
			nsLabels := map[string]string{}
			if n := set.Namespaces[pod.Namespace]; n != nil {
				nsLabels = n.Labels
			}
			if selects(p.NamespaceSelector, nsLabels) && (p.PodSelector == nil || selects(p.PodSelector, pod.Labels)) {
				return true
			}
		default:
			if pod.Namespace == ns && selects(p.PodSelector, pod.Labels) {
				return true
			}
		}
	}
	return false
}

func inBlock(b *networkingv1.IPBlock, a netip.Addr) bool {
	cidr, err := netip.ParsePrefix(b.CIDR)
	if err != nil || !cidr.Contains(a) {
		return false
	}
	for _, e := range b.Except {
		if ex, err := netip.ParsePrefix(e); err == nil && ex.Contains(a) {
			return false
		}
	}
	return true
}

// portsMatch: an empty list matches every port; otherwise one entry must,
// a name resolving on the ports of the pods names.
func portsMatch(ports []networkingv1.NetworkPolicyPort, names []*corev1.Pod, proto corev1.Protocol, port int32) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		want := corev1.ProtocolTCP
		if p.Protocol != nil {
			want = *p.Protocol
		}
		if want != proto {
			continue
		}
		switch {
		case p.Port == nil:
			return true
		case p.Port.Type == intstr.String:
			for _, dst := range names {
				if namedPort(dst, p.Port.StrVal, proto) == port {
					return true
				}
			}
		case p.EndPort != nil:
			if p.Port.IntVal <= port && port <= *p.EndPort {
				return true
			}
		case p.Port.IntVal == port:
			return true
		}
	}
	return false
}

// namedPort is the number pod gives name over proto, 0 if none.
func namedPort(pod *corev1.Pod, name string, proto corev1.Protocol) int32 {
	for _, c := range pod.Spec.Containers {
		for _, cp := range c.Ports {
			p := cp.Protocol
			if p == "" {
				p = corev1.ProtocolTCP
			}
			if cp.Name == name && p == proto {
				return cp.ContainerPort
			}
		}
	}
	return 0
}

// podAddr is the pod's address of the family.
func podAddr(pod *corev1.Pod, ipv6 bool) netip.Addr {
	for _, ip := range append([]corev1.PodIP{{IP: pod.Status.PodIP}}, pod.Status.PodIPs...) {
		if a, err := netip.ParseAddr(ip.IP); err == nil && a.Is6() == ipv6 {
			return a
		}
	}
	return netip.Addr{}
}
