package k8ssource

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/zeta-net/zeta/api/v1alpha1"
)

// lastApplied is kubectl's copy of the applied manifest: as large as the
// object, and never read by the agent.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// TypeMeta of the objects the source sends, set as a decoded manifest has
// it, so that the agent sees the same objects in both modes (Zeta's own
// objects keep theirs from the unstructured conversion).
var (
	podType   = metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}
	nsType    = metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}
	npType    = metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"}
	converter = runtime.DefaultUnstructuredConverter
)

// transform is the informers' transform: it keeps of each object what the
// agent reads, and turns Zeta's unstructured objects into typed ones.
func transform(obj any) (any, error) {
	switch o := obj.(type) {
	case *corev1.Pod:
		return stripPod(o), nil
	case *corev1.Namespace:
		o.TypeMeta = nsType
		stripMeta(&o.ObjectMeta)
		return o, nil
	case *networkingv1.NetworkPolicy:
		o.TypeMeta = npType
		stripMeta(&o.ObjectMeta)
		return o, nil
	case *unstructured.Unstructured:
		return typed(o)
	}
	return obj, nil
}

// typed converts a ZeroTrustPolicy or ClusterZeroTrustPolicy. The status
// stays: the status writer compares its verdicts with it.
func typed(u *unstructured.Unstructured) (any, error) {
	var (
		out  runtime.Object
		meta *metav1.ObjectMeta
	)
	switch u.GetKind() {
	case "ZeroTrustPolicy":
		p := &v1alpha1.ZeroTrustPolicy{}
		out, meta = p, &p.ObjectMeta
	case "ClusterZeroTrustPolicy":
		p := &v1alpha1.ClusterZeroTrustPolicy{}
		out, meta = p, &p.ObjectMeta
	default:
		return nil, fmt.Errorf("convert %s %s: unexpected kind", u.GetKind(), u.GetName())
	}
	if err := converter.FromUnstructured(u.UnstructuredContent(), out); err != nil {
		return nil, fmt.Errorf("convert %s %s: %w", u.GetKind(), u.GetName(), err)
	}
	stripMeta(meta)
	return out, nil
}

func stripMeta(m *metav1.ObjectMeta) {
	m.ManagedFields = nil
	delete(m.Annotations, lastApplied)
}

// stripPod returns the part of a pod the agent reads: identity (namespace,
// labels, service account), placement and addresses, and the ports
// containers name, which named ports in policies resolve to.
func stripPod(p *corev1.Pod) *corev1.Pod {
	out := &corev1.Pod{
		TypeMeta: podType,
		ObjectMeta: metav1.ObjectMeta{
			Name:            p.Name,
			Namespace:       p.Namespace,
			UID:             p.UID,
			ResourceVersion: p.ResourceVersion,
			Labels:          p.Labels,
		},
		Spec: corev1.PodSpec{
			NodeName:           p.Spec.NodeName,
			ServiceAccountName: p.Spec.ServiceAccountName,
			HostNetwork:        p.Spec.HostNetwork,
		},
		Status: corev1.PodStatus{Phase: p.Status.Phase, PodIP: p.Status.PodIP, PodIPs: p.Status.PodIPs},
	}
	for _, c := range p.Spec.Containers {
		if len(c.Ports) > 0 {
			out.Spec.Containers = append(out.Spec.Containers, corev1.Container{Name: c.Name, Ports: c.Ports})
		}
	}
	// Sidecars (init containers that keep running) serve their ports too.
	for _, c := range p.Spec.InitContainers {
		if len(c.Ports) > 0 && c.RestartPolicy != nil {
			out.Spec.InitContainers = append(out.Spec.InitContainers, corev1.Container{Name: c.Name, Ports: c.Ports, RestartPolicy: c.RestartPolicy})
		}
	}
	return out
}
