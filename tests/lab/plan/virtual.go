package plan

import (
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// VirtualAnnotation is the annotation that, set to "true" on a pod, makes
// it virtual: it exists only in the materialised manifests, as a pod of a
// node the lab does not build, so that the agents see its labels and
// addresses (as identities and IP cache entries) without the cost of a
// namespace, a veth and servers.
const VirtualAnnotation = "zeta-lab/virtual"

// isVirtual reports whether the manifest marks the pod virtual.
func isVirtual(kp *corev1.Pod) (bool, error) {
	switch v, ok := kp.Annotations[VirtualAnnotation]; {
	case !ok || v == "false":
		return false, nil
	case v == "true":
		return true, nil
	default:
		return false, fmt.Errorf("annotation %s: %q is neither \"true\" nor \"false\"", VirtualAnnotation, v)
	}
}

// describeVirtual returns what the manifest says of a virtual pod: its
// node, which must not be one of the cluster's, and its addresses, which
// its status must name. It has no namespace, link or ports.
func (p *Plan) describeVirtual(kp *corev1.Pod) (Pod, error) {
	node := kp.Spec.NodeName
	if node == "" {
		return Pod{}, errors.New("a virtual pod needs spec.nodeName")
	}
	if err := validateObjectName("node", node, true); err != nil {
		return Pod{}, err
	}
	if _, ok := p.Node(node); ok {
		return Pod{}, fmt.Errorf("virtual pod on node %s, which the cluster builds: name another node", node)
	}
	if kp.Status.PodIP == "" {
		return Pod{}, errors.New("a virtual pod needs status.podIP")
	}
	v4, v6, err := statusIPs(kp.Status)
	if err != nil {
		return Pod{}, err
	}
	return Pod{Namespace: kp.Namespace, Name: kp.Name, Node: node, IPv4: v4, IPv6: v6, Virtual: true}, nil
}
