package materialize

import (
	"bytes"
	"fmt"
	"github.com/zeta-net/zeta/agent/statefile"
	"maps"
	"net/netip"
	"path/filepath"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/zeta-net/zeta/agent/manifest"
	"github.com/zeta-net/zeta/api/v1alpha1"
	"github.com/zeta-net/zeta/tests/lab/plan"
	"github.com/zeta-net/zeta/tests/lab/state"
)

// File is the one manifest file Write writes.
const File = "cluster.yaml"

// nameLabel is the label the API server puts on every Namespace.
const nameLabel = "kubernetes.io/metadata.name"

// Write writes set, placed as p says, into dir, and returns the hash of dir
// as manifest.LoadDir computes it. Every pod of set must be in p.
func Write(dir string, set *manifest.Set, p *plan.Plan) (string, error) {
	var docs []any
	for _, ns := range namespaces(set) {
		docs = append(docs, ns)
	}
	for _, key := range slices.Sorted(maps.Keys(set.Pods)) {
		pod, err := placed(set.Pods[key], p)
		if err != nil {
			return "", err
		}
		docs = append(docs, pod)
	}
	for _, key := range slices.Sorted(maps.Keys(set.NetworkPolicies)) {
		np := set.NetworkPolicies[key].DeepCopy()
		np.TypeMeta = metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"}
		docs = append(docs, np)
	}
	for _, key := range slices.Sorted(maps.Keys(set.ZeroTrustPolicies)) {
		p := set.ZeroTrustPolicies[key].DeepCopy()
		p.TypeMeta = metav1.TypeMeta{APIVersion: v1alpha1.SchemeGroupVersion.String(), Kind: "ZeroTrustPolicy"}
		docs = append(docs, p)
	}
	for _, name := range slices.Sorted(maps.Keys(set.ClusterZeroTrustPolicies)) {
		p := set.ClusterZeroTrustPolicies[name].DeepCopy()
		p.TypeMeta = metav1.TypeMeta{APIVersion: v1alpha1.SchemeGroupVersion.String(), Kind: "ClusterZeroTrustPolicy"}
		docs = append(docs, p)
	}
	var buf bytes.Buffer
	for _, doc := range docs {
		data, err := yaml.Marshal(doc)
		if err != nil {
			return "", fmt.Errorf("materialise manifests: %w", err)
		}
		buf.WriteString("---\n")
		buf.Write(data)
	}
	if err := state.MkdirAll(dir); err != nil {
		return "", fmt.Errorf("materialise manifests: %w", err)
	}
	if err := statefile.WriteFile(filepath.Join(dir, File), buf.Bytes()); err != nil {
		return "", fmt.Errorf("materialise manifests: %w", err)
	}
	written, err := manifest.LoadDir(dir)
	if err != nil {
		return "", fmt.Errorf("materialise manifests: reload: %w", err)
	}
	return written.Hash, nil
}

// namespaces returns set's Namespaces and those its pods and policies use,
// sorted, each labelled with its name.
func namespaces(set *manifest.Set) []*corev1.Namespace {
	byName := map[string]*corev1.Namespace{}
	for name, ns := range set.Namespaces {
		byName[name] = ns.DeepCopy()
	}
	used := map[string]bool{}
	for _, pod := range set.Pods {
		used[pod.Namespace] = true
	}
	for _, np := range set.NetworkPolicies {
		used[np.Namespace] = true
	}
	for _, p := range set.ZeroTrustPolicies {
		used[p.Namespace] = true
	}
	for name := range used {
		if byName[name] == nil {
			byName[name] = &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		}
	}
	var out []*corev1.Namespace
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		ns := byName[name]
		ns.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}
		if ns.Labels == nil {
			ns.Labels = map[string]string{}
		}
		ns.Labels[nameLabel] = name
		out = append(out, ns)
	}
	return out
}

// placed returns pod as it runs where p put it. The family of the address
// the manifest's status.podIP names, if any, stays the primary one. A
// virtual pod keeps its node and addresses and has no host IPs: its node
// does not exist.
func placed(pod *corev1.Pod, p *plan.Plan) (*corev1.Pod, error) {
	key := manifest.Key(pod.Namespace, pod.Name)
	pp, ok := p.Pod(key)
	if !ok {
		return nil, fmt.Errorf("materialise pod %s: not in the plan", key)
	}
	ips := slices.DeleteFunc([]netip.Addr{pp.IPv4, pp.IPv6}, func(a netip.Addr) bool { return !a.IsValid() })
	if primary, err := netip.ParseAddr(pod.Status.PodIP); err == nil && primary.Is6() && !primary.Is4In6() {
		slices.Reverse(ips)
	}
	out := pod.DeepCopy()
	out.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}
	out.Spec.NodeName = pp.Node
	out.Status.Phase = corev1.PodRunning
	out.Status.PodIP = ips[0].String()
	out.Status.PodIPs = nil
	for _, ip := range ips {
		out.Status.PodIPs = append(out.Status.PodIPs, corev1.PodIP{IP: ip.String()})
	}
	if node, ok := p.Node(pp.Node); ok {
		out.Status.HostIP = node.IPv4.Addr().String()
		out.Status.HostIPs = []corev1.HostIP{{IP: node.IPv4.Addr().String()}, {IP: node.IPv6.Addr().String()}}
	}
	return out, nil
}
