package plan

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/zeta-net/zeta/agent/manifest"
)

// maxNetnsName is NAME_MAX: a network namespace name is a file in /run/netns.
const maxNetnsName = 255

// place plans every pod of set on p's nodes, keeping the pods of p that set
// still describes compatibly.
func (p *Plan) place(set *manifest.Set) (*Plan, error) {
	next := &Plan{Name: p.Name, Nodes: p.Nodes}
	alloc := newAllocator(p.Nodes)
	var fresh []int // indexes into next.Pods of the pods planned anew
	for _, key := range slices.Sorted(maps.Keys(set.Pods)) {
		pod, err := p.describe(set.Pods[key])
		if err != nil {
			return nil, fmt.Errorf("plan pod %s: %w", key, err)
		}
		if old, ok := p.Pod(key); ok && compatible(old, pod) {
			old.Ports = pod.Ports
			pod = old
		} else if !pod.Virtual {
			fresh = append(fresh, len(next.Pods))
		}
		for _, addr := range []netip.Addr{pod.IPv4, pod.IPv6} {
			if addr.IsValid() {
				if err := alloc.reserve(key, addr); err != nil {
					return nil, fmt.Errorf("plan pod %s: %w", key, err)
				}
			}
		}
		if pod.Node != "" && !pod.Virtual {
			alloc.load[pod.Node]++
		}
		next.Pods = append(next.Pods, pod)
	}
	for _, i := range fresh {
		if err := alloc.complete(next, &next.Pods[i]); err != nil {
			return nil, fmt.Errorf("plan pod %s: %w", next.Pods[i].Key(), err)
		}
	}
	veths := map[string]string{}
	for _, pod := range next.Pods {
		if pod.Virtual {
			continue
		}
		if other, ok := veths[pod.HostVeth]; ok {
			return nil, fmt.Errorf("plan pods %s and %s: both hash to link name %s: rename one", other, pod.Key(), pod.HostVeth)
		}
		veths[pod.HostVeth] = pod.Key()
	}
	return next, nil
}

// describe returns what the manifest says of a pod: its names, its node if
// pinned, its addresses if its status names them, and its ports; or what it
// says of a virtual pod (describeVirtual).
func (p *Plan) describe(kp *corev1.Pod) (Pod, error) {
	if kp.Spec.HostNetwork {
		return Pod{}, errors.New("hostNetwork pods are not supported")
	}
	if err := validateObjectName("namespace", kp.Namespace, false); err != nil {
		return Pod{}, err
	}
	if err := validateObjectName("pod", kp.Name, true); err != nil {
		return Pod{}, err
	}
	virtual, err := isVirtual(kp)
	if err != nil {
		return Pod{}, err
	}
	if virtual {
		return p.describeVirtual(kp)
	}
	if node := kp.Spec.NodeName; node != "" {
		if _, ok := p.Node(node); !ok {
			return Pod{}, fmt.Errorf("spec.nodeName %s is not a node of cluster %s", node, p.Name)
		}
	}
	v4, v6, err := statusIPs(kp.Status)
	if err != nil {
		return Pod{}, err
	}
	ports, err := containerPorts(kp.Spec)
	if err != nil {
		return Pod{}, err
	}
	pod := Pod{
		Namespace: kp.Namespace,
		Name:      kp.Name,
		Node:      kp.Spec.NodeName,
		Netns:     PodNetns(p.Name, kp.Namespace, kp.Name),
		HostVeth:  HostVeth(p.Name, manifest.Key(kp.Namespace, kp.Name)),
		IPv4:      v4,
		IPv6:      v6,
		Ports:     ports,
	}
	if len(pod.Netns) > maxNetnsName {
		return Pod{}, fmt.Errorf("network namespace name %s is longer than %d bytes", pod.Netns, maxNetnsName)
	}
	return pod, nil
}

// compatible reports whether old can stay as the pod the manifest now
// describes as want: same node and addresses wherever want names them, or
// exactly the same for a virtual pod, which its manifest describes whole.
func compatible(old, want Pod) bool {
	if want.Virtual || old.Virtual {
		return old.sameEndpoint(want)
	}
	return (want.Node == "" || want.Node == old.Node) &&
		(!want.IPv4.IsValid() || want.IPv4 == old.IPv4) &&
		(!want.IPv6.IsValid() || want.IPv6 == old.IPv6)
}

func validateObjectName(kind, name string, subdomain bool) error {
	errs := validation.IsDNS1123Label(name)
	if subdomain {
		errs = validation.IsDNS1123Subdomain(name)
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid %s name %q: %s", kind, name, strings.Join(errs, "; "))
	}
	return nil
}

// statusIPs returns the addresses status.podIP and status.podIPs name, at
// most one per family.
func statusIPs(st corev1.PodStatus) (v4, v6 netip.Addr, err error) {
	texts := []string{st.PodIP}
	for _, ip := range st.PodIPs {
		texts = append(texts, ip.IP)
	}
	for _, text := range texts {
		if text == "" {
			continue
		}
		addr, err := netip.ParseAddr(text)
		if err != nil {
			return v4, v6, fmt.Errorf("parse status pod IP: %w", err)
		}
		addr = addr.Unmap()
		if !addr.IsGlobalUnicast() || addr.Zone() != "" {
			return v4, v6, fmt.Errorf("status pod IP %s is not a unicast address", addr)
		}
		slot := &v4
		if addr.Is6() {
			slot = &v6
		}
		if slot.IsValid() && *slot != addr {
			return v4, v6, fmt.Errorf("status names two pod IPs of one family: %s and %s", *slot, addr)
		}
		*slot = addr
	}
	return v4, v6, nil
}

// containerPorts returns the pod's distinct containerPorts, sorted.
func containerPorts(spec corev1.PodSpec) ([]Port, error) {
	seen := map[Port]bool{}
	for _, c := range spec.Containers {
		for _, cp := range c.Ports {
			port := Port{Port: cp.ContainerPort, Protocol: cp.Protocol}
			if port.Protocol == "" {
				port.Protocol = corev1.ProtocolTCP
			}
			switch {
			case port.Port < 1 || port.Port > 65535:
				return nil, fmt.Errorf("container %s: invalid containerPort %d", c.Name, port.Port)
			case port.Protocol != corev1.ProtocolTCP && port.Protocol != corev1.ProtocolUDP && port.Protocol != corev1.ProtocolSCTP:
				return nil, fmt.Errorf("container %s: invalid protocol %q", c.Name, port.Protocol)
			}
			seen[port] = true
		}
	}
	return slices.SortedFunc(maps.Keys(seen), func(a, b Port) int {
		return cmp.Or(cmp.Compare(a.Port, b.Port), cmp.Compare(a.Protocol, b.Protocol))
	}), nil
}
