package offline

import (
	"fmt"
	"net/netip"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/zeta-net/zeta/agent/manifest"
	"github.com/zeta-net/zeta/tests/lab/plan"
)

// planName names the plan. It is part of the network namespace and link
// names a plan derives, which an offline model never uses.
const planName = "offline"

// nameLabel is the label the API server puts on every Namespace.
const nameLabel = "kubernetes.io/metadata.name"

// place returns set as a running zeta-lab cluster of extraNodes nodes
// (plus those the pods name) would hold it, and the plan behind it: every
// pod placed on a node with its addresses and running, and every namespace
// that pods or policies use present and labelled with its name. It does
// what tests/lab/materialize writes to disk, in memory; TestPlaceAsLab
// holds the two together. set is not modified.
func place(set *manifest.Set, extraNodes int) (*manifest.Set, *plan.Plan, error) {
	p, err := plan.New(planName, extraNodes, set)
	if err != nil {
		return nil, nil, fmt.Errorf("place pods: %w", err)
	}
	out := *set // policies of every kind are shared, unmodified
	out.Pods = make(map[string]*corev1.Pod, len(set.Pods))
	for key, pod := range set.Pods {
		pp, ok := p.Pod(key)
		if !ok {
			return nil, nil, fmt.Errorf("place pod %s: not in the plan", key)
		}
		out.Pods[key] = placed(pod, pp, p)
	}
	out.Namespaces = namespaces(set)
	return &out, p, nil
}

// placed returns pod running where pp puts it. The family of the address
// status.podIP names, if any, stays the primary one.
func placed(pod *corev1.Pod, pp plan.Pod, p *plan.Plan) *corev1.Pod {
	ips := slices.DeleteFunc([]netip.Addr{pp.IPv4, pp.IPv6}, func(a netip.Addr) bool { return !a.IsValid() })
	if primary, err := netip.ParseAddr(pod.Status.PodIP); err == nil && primary.Is6() && !primary.Is4In6() {
		slices.Reverse(ips)
	}
	out := pod.DeepCopy()
	out.Spec.NodeName = pp.Node
	out.Status.Phase = corev1.PodRunning
	out.Status.PodIP = ips[0].String()
	out.Status.PodIPs = nil
	for _, ip := range ips {
		out.Status.PodIPs = append(out.Status.PodIPs, corev1.PodIP{IP: ip.String()})
	}
	out.Status.HostIP, out.Status.HostIPs = "", nil
	if node, ok := p.Node(pp.Node); ok {
		out.Status.HostIP = node.IPv4.Addr().String()
		out.Status.HostIPs = []corev1.HostIP{{IP: node.IPv4.Addr().String()}, {IP: node.IPv6.Addr().String()}}
	}
	return out
}

// namespaces returns set's Namespaces and those its pods and
// NetworkPolicies use, each labelled with its name.
func namespaces(set *manifest.Set) map[string]*corev1.Namespace {
	out := make(map[string]*corev1.Namespace, len(set.Namespaces))
	for name, ns := range set.Namespaces {
		out[name] = ns.DeepCopy()
	}
	var used []string
	for _, pod := range set.Pods {
		used = append(used, pod.Namespace)
	}
	for _, np := range set.NetworkPolicies {
		used = append(used, np.Namespace)
	}
	for _, name := range used {
		if out[name] == nil {
			out[name] = &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		}
	}
	for name, ns := range out {
		if ns.Labels == nil {
			ns.Labels = map[string]string{}
		}
		ns.Labels[nameLabel] = name
	}
	return out
}
