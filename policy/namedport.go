package policy

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/zeta-net/zeta/policy/secid"
)

// namedPorts maps a port name and protocol to the port numbers behind it.
type namedPorts map[portName][]uint16

// podPorts returns the ports pod names, looked up as Services look up a
// targetPort: in its containers and in its sidecars (init containers that
// restart always). A container port's protocol defaults to TCP.
func podPorts(pod *corev1.Pod) namedPorts {
	out := namedPorts{}
	addAll := func(ports []corev1.ContainerPort) {
		for _, cp := range ports {
			proto := protoTCP
			if cp.Protocol != "" {
				var ok bool
				if proto, ok = protocols[cp.Protocol]; !ok {
					continue
				}
			}
			if cp.Name != "" && cp.ContainerPort > 0 && cp.ContainerPort <= 65535 {
				k := portName{name: cp.Name, proto: proto}
				out[k] = append(out[k], uint16(cp.ContainerPort))
			}
		}
	}
	for _, c := range pod.Spec.Containers {
		addAll(c.Ports)
	}
	for _, c := range pod.Spec.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			addAll(c.Ports)
		}
	}
	return out
}

// peerPort is a named port resolved for one peer identity.
type peerPort struct {
	id   secid.ID
	port uint16
}

// resolve returns the ports that named port n stands for towards peer. On
// ingress the port is the endpoint's own, the same for every peer. On
// egress it is the destination's, so it resolves on the pods of peer; for
// secid.Any on the pods of every identity, each entry then naming that
// identity. An unresolved name matches nothing, as upstream, and so does
// any egress name towards an address outside the cluster.
//
// Limitation: pods of one identity that give a name different numbers are
// allowed on all of those numbers, since the datapath sees identities.
func (c *compiler) resolve(dir Direction, peer secid.ID, n portName) []peerPort {
	var out []peerPort
	if dir == Ingress {
		for _, p := range c.own[n] {
			out = append(out, peerPort{id: peer, port: p})
		}
		return out
	}
	byPeer := c.peerPorts()
	if peer != secid.Any {
		for _, p := range byPeer[peer][n] {
			out = append(out, peerPort{id: peer, port: p})
		}
		return out
	}
	for id, ports := range byPeer {
		for _, p := range ports[n] {
			out = append(out, peerPort{id: id, port: p})
		}
	}
	return out
}

// peerPorts returns the named ports of every identity's pods, built once
// per Compile and only when an egress rule names a port.
func (c *compiler) peerPorts() map[secid.ID]namedPorts {
	if c.byPeer != nil {
		return c.byPeer
	}
	c.byPeer = map[secid.ID]namedPorts{}
	if c.in.IdentityOf == nil {
		return c.byPeer
	}
	for _, pod := range c.in.Pods {
		id, ok := c.in.IdentityOf(pod)
		if !ok || id.Reserved() {
			continue
		}
		if c.byPeer[id] == nil {
			c.byPeer[id] = namedPorts{}
		}
		for k, ports := range podPorts(pod) {
			c.byPeer[id][k] = append(c.byPeer[id][k], ports...)
		}
	}
	return c.byPeer
}
