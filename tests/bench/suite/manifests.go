package suite

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/zeta-net/zeta/tests/lab/plan"
)

// The pods, their nodes and the ports the benchmark uses.
const (
	namespace  = "bench"
	clientPod  = namespace + "/client"
	serverPod  = namespace + "/server"
	clientNode = "node-1"
	serverNode = "node-2"
	peerNode   = "remote" // virtual peers' node, which the lab does not build

	iperfPort     uint16 = 5201
	loadPort      uint16 = 7000
	closedPort    uint16 = 7001 // no rule allows it
	firstPeerPort uint16 = 10000
)

// peerAddr is virtual peer i's address: 10.250.0.1 upwards, 250 per /24.
func peerAddr(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{10, 250, byte(i / 250), byte(i%250 + 1)})
}

// peerName names virtual peer i; it is also its one distinctive label.
func peerName(i int) string { return fmt.Sprintf("peer-%04d", i) }

// writeManifests writes setup s's cluster into dir.
func writeManifests(dir string, s Setup) error {
	docs := []any{pod("client", clientNode), pod("server", serverNode)}
	for i := range s.Peers {
		p := pod(peerName(i), peerNode)
		p.Labels = map[string]string{"peer": peerName(i)}
		p.Annotations = map[string]string{plan.VirtualAnnotation: "true"}
		p.Status.PodIP = peerAddr(i).String()
		docs = append(docs, p)
	}
	if s.Policy {
		docs = append(docs, serverPolicy(s.Peers))
	}
	var buf bytes.Buffer
	for _, doc := range docs {
		data, err := yaml.Marshal(doc)
		if err != nil {
			return fmt.Errorf("write manifests: %w", err)
		}
		buf.WriteString("---\n")
		buf.Write(data)
	}
	if err := os.WriteFile(filepath.Join(dir, "cluster.yaml"), buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("write manifests: %w", err)
	}
	return nil
}

// pod is a pod called name, labelled app=name, on node.
func pod(name, node string) *corev1.Pod {
	return &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, Labels: map[string]string{"app": name}},
		Spec:       corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "main", Image: "none"}}},
	}
}

// serverPolicy selects the server for ingress with one rule per peer,
// allowing it PeerPorts ports, and last the client's rule, allowing the
// ports the benchmark uses.
func serverPolicy(peers int) *networkingv1.NetworkPolicy {
	var rules []networkingv1.NetworkPolicyIngressRule
	for i := range peers {
		var ports []uint16
		for p := range uint16(PeerPorts) {
			ports = append(ports, firstPeerPort+p)
		}
		rules = append(rules, ingressRule(map[string]string{"peer": peerName(i)}, ports...))
	}
	rules = append(rules, ingressRule(map[string]string{"app": "client"}, iperfPort, loadPort))
	return &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "server"},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "server"}},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress:     rules,
		},
	}
}

// ingressRule allows the pods labelled labels to TCP ports.
func ingressRule(labels map[string]string, ports ...uint16) networkingv1.NetworkPolicyIngressRule {
	r := networkingv1.NetworkPolicyIngressRule{
		From: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: labels}}},
	}
	for _, p := range ports {
		tcp := corev1.ProtocolTCP
		port := intstr.FromInt32(int32(p))
		r.Ports = append(r.Ports, networkingv1.NetworkPolicyPort{Protocol: &tcp, Port: &port})
	}
	return r
}
