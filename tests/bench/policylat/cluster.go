package policylat

import (
	"bytes"
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/zeta-net/zeta/tests/lab/plan"
)

// Shape is the benchmark cluster: Pods pods in namespaces of 100, each of
// ten apps per namespace; Real of them (in the first namespace, spread
// over node-1 and node-2) are built by the lab with an agent enforcing
// them, the rest are virtual peers; Policies NetworkPolicies, each
// selecting one app and admitting two others on a port.
type Shape struct{ Pods, Real, Policies int }

// clusterYAML is the cluster of shape s, without the policy that changes.
func clusterYAML(s Shape) ([]byte, error) {
	var docs []any
	for n := range s.Pods / 100 {
		docs = append(docs, &corev1.Namespace{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
			ObjectMeta: metav1.ObjectMeta{Name: ns(n), Labels: map[string]string{"team": "t" + strconv.Itoa(n%5)}},
		})
	}
	for i := range s.Pods {
		p := &corev1.Pod{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
			ObjectMeta: metav1.ObjectMeta{Namespace: ns(i / 100), Name: "p" + strconv.Itoa(i%100),
				Labels: map[string]string{"app": app(i % 10)}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "none",
				Ports: []corev1.ContainerPort{{ContainerPort: 80}}}}},
		}
		if i < s.Real {
			p.Spec.NodeName = "node-" + strconv.Itoa(1+i/10%2)
		} else {
			p.Spec.NodeName = "remote"
			p.Annotations = map[string]string{plan.VirtualAnnotation: "true"}
			p.Status.PodIP = fmt.Sprintf("10.250.%d.%d", i/250, i%250+1)
		}
		docs = append(docs, p)
	}
	for k := range s.Policies {
		docs = append(docs, policy(ns(k%(s.Pods/100)), "p"+strconv.Itoa(k), k/(s.Pods/100), 8000+k%100))
	}
	return marshal(docs...)
}

// policy selects app a in namespace and admits apps a+1 of its namespace
// and a+2 of every namespace on port.
func policy(namespace, name string, a, port int) *networkingv1.NetworkPolicy {
	sel := func(k int) *metav1.LabelSelector {
		return &metav1.LabelSelector{MatchLabels: map[string]string{"app": app(k % 10)}}
	}
	p := intstr.FromInt32(int32(port))
	return &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: *sel(a),
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From: []networkingv1.NetworkPolicyPeer{
					{PodSelector: sel(a + 1)},
					{PodSelector: sel(a + 2), NamespaceSelector: &metav1.LabelSelector{}},
				},
				Ports: []networkingv1.NetworkPolicyPort{{Port: &p}},
			}},
		},
	}
}

func marshal(docs ...any) ([]byte, error) {
	var buf bytes.Buffer
	for _, doc := range docs {
		data, err := yaml.Marshal(doc)
		if err != nil {
			return nil, fmt.Errorf("marshal manifests: %w", err)
		}
		buf.WriteString("---\n")
		buf.Write(data)
	}
	return buf.Bytes(), nil
}

func ns(n int) string  { return "ns" + strconv.Itoa(n) }
func app(k int) string { return "app" + strconv.Itoa(k) }
