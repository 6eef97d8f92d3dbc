package conformance

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// The suite's namespaces and, in each, its pods.
var (
	Namespaces = []string{"x", "y", "z"}
	PodNames   = []string{"a", "b", "c"}
)

// Pods are every pod of the suite, "ns/pod", in key order: the rows and
// columns of its matrices.
func Pods() []string {
	var out []string
	for _, ns := range Namespaces {
		for _, p := range PodNames {
			out = append(out, ns+"/"+p)
		}
	}
	return out
}

// Ports are the ports every pod serves, over TCP and UDP each.
var Ports = []int32{80, 81}

// Cluster returns the suite's namespaces and pods as YAML, with the
// labels of step where it replaces the base ones. Pods name no node: they
// spread over the cluster's nodes.
func Cluster(step Step) (string, error) {
	var docs []any
	for _, ns := range Namespaces {
		labels := map[string]string{"ns": ns}
		if l, ok := step.NamespaceLabels[ns]; ok {
			labels = l
		}
		docs = append(docs, &corev1.Namespace{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
			ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: labels},
		})
	}
	for _, key := range Pods() {
		ns, name, _ := strings.Cut(key, "/")
		labels := map[string]string{"pod": name}
		if l, ok := step.PodLabels[key]; ok {
			labels = l
		}
		docs = append(docs, &corev1.Pod{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "serve", Image: "serve", Ports: containerPorts()}}},
		})
	}
	for _, k := range slices.Sorted(maps.Keys(step.PodLabels)) {
		if !slices.Contains(Pods(), k) {
			return "", fmt.Errorf("step %q relabels pod %s, which the suite does not have", step.Name, k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(step.NamespaceLabels)) {
		if !slices.Contains(Namespaces, k) {
			return "", fmt.Errorf("step %q relabels namespace %s, which the suite does not have", step.Name, k)
		}
	}
	var b strings.Builder
	for _, doc := range docs {
		data, err := yaml.Marshal(doc)
		if err != nil {
			return "", err
		}
		b.WriteString("---\n")
		b.Write(data)
	}
	return b.String(), nil
}

// containerPorts are serve-80-tcp, serve-80-udp, serve-81-tcp and
// serve-81-udp.
func containerPorts() []corev1.ContainerPort {
	var out []corev1.ContainerPort
	for _, port := range Ports {
		for _, proto := range []corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolUDP} {
			out = append(out, corev1.ContainerPort{
				Name:          fmt.Sprintf("serve-%d-%s", port, strings.ToLower(string(proto))),
				ContainerPort: port,
				Protocol:      proto,
			})
		}
	}
	return out
}

// Files are a step's manifest directory: the cluster and the policies.
func Files(step Step, addrs Addrs) (map[string]string, error) {
	cluster, err := Cluster(step)
	if err != nil {
		return nil, err
	}
	policies, err := step.Render(addrs)
	if err != nil {
		return nil, err
	}
	return map[string]string{"cluster.yaml": cluster, "policies.yaml": policies}, nil
}
