package policy

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

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

// signature is a canonical string of the named ports: endpoints of one
// identity with equal signatures compile alike.
func (n namedPorts) signature() string {
	keys := slices.SortedFunc(maps.Keys(n), func(a, b portName) int {
		return cmp.Or(cmp.Compare(a.name, b.name), cmp.Compare(a.proto, b.proto))
	})
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s/%d=%v;", k.name, k.proto, n[k])
	}
	return b.String()
}

// NamedPortsSignature is a canonical string of the ports pod names, ""
// if it names none: the identity label that keeps pods naming different
// ports apart (see secid.Labels.NamedPorts).
func NamedPortsSignature(pod *corev1.Pod) string { return podPorts(pod).signature() }

// peersPorts returns the named ports of every identity's pods.
func peersPorts(p Peers) map[secid.ID]namedPorts {
	out := map[secid.ID]namedPorts{}
	if p.IdentitiesOf == nil {
		return out
	}
	for _, pod := range p.Pods {
		ports := podPorts(pod)
		if len(ports) == 0 {
			continue
		}
		for _, id := range p.IdentitiesOf(pod) {
			if id.Reserved() {
				continue
			}
			if out[id] == nil {
				out[id] = namedPorts{}
			}
			for k, nums := range ports {
				out[id][k] = append(out[id][k], nums...)
			}
		}
	}
	for _, ports := range out {
		for k, nums := range ports {
			slices.Sort(nums)
			ports[k] = slices.Compact(nums)
		}
	}
	return out
}

// equalPorts reports whether two identities' named ports are the same.
func equalPorts(a, b map[secid.ID]namedPorts) bool {
	return maps.EqualFunc(a, b, func(x, y namedPorts) bool {
		return maps.EqualFunc(x, y, slices.Equal)
	})
}
