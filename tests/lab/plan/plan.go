package plan

import (
	"cmp"
	"fmt"
	"maps"
	"net/netip"
	"slices"

	corev1 "k8s.io/api/core/v1"

	"github.com/zeta-net/zeta/agent/manifest"
)

// maxNodes bounds the node index to one byte of the fabric and pod CIDRs.
const maxNodes = 254

// Plan is the layout of one sandbox cluster.
type Plan struct {
	Name  string `json:"name"`
	Nodes []Node `json:"nodes"` // sorted by name
	Pods  []Pod  `json:"pods"`  // sorted by key
}

// Node is one node: a network namespace on the fabric.
type Node struct {
	Name  string       `json:"name"`
	Index int          `json:"index"`
	Netns string       `json:"netns"`
	IPv4  netip.Prefix `json:"ipv4"` // fabric address
	IPv6  netip.Prefix `json:"ipv6"`
}

// Pod is one pod: a network namespace behind a veth on its node.
type Pod struct {
	Namespace string     `json:"namespace"`
	Name      string     `json:"name"`
	Node      string     `json:"node"`
	Netns     string     `json:"netns"`
	HostVeth  string     `json:"hostVeth"`
	IPv4      netip.Addr `json:"ipv4"`
	IPv6      netip.Addr `json:"ipv6"`
	Ports     []Port     `json:"ports,omitempty"`
	// Virtual pods (see VirtualAnnotation) have no Netns, HostVeth or
	// Ports, and their Node is not one of the plan's.
	Virtual bool `json:"virtual,omitempty"`
}

// Port is one containerPort.
type Port struct {
	Port     int32           `json:"port"`
	Protocol corev1.Protocol `json:"protocol"`
}

// Key is the pod's "namespace/name".
func (p Pod) Key() string { return manifest.Key(p.Namespace, p.Name) }

// Addr is the pod's IPv6 address if ipv6, else its IPv4 address.
func (p Pod) Addr(ipv6 bool) netip.Addr {
	if ipv6 {
		return p.IPv6
	}
	return p.IPv4
}

// sameEndpoint reports whether p and q are the same pod on the same node
// with the same addresses, so that one can stand in for the other.
func (p Pod) sameEndpoint(q Pod) bool {
	return p.Key() == q.Key() && p.Node == q.Node && p.IPv4 == q.IPv4 && p.IPv6 == q.IPv6 && p.Virtual == q.Virtual
}

// Fabric is the namespace holding the bridge that links the nodes.
func (p *Plan) Fabric() string { return FabricNetns(p.Name) }

// Node returns the node called name.
func (p *Plan) Node(name string) (Node, bool) {
	i := slices.IndexFunc(p.Nodes, func(n Node) bool { return n.Name == name })
	if i < 0 {
		return Node{}, false
	}
	return p.Nodes[i], true
}

// Pod returns the pod with key "namespace/name".
func (p *Plan) Pod(key string) (Pod, bool) {
	i, ok := slices.BinarySearchFunc(p.Pods, key, func(q Pod, k string) int { return cmp.Compare(q.Key(), k) })
	if !ok {
		return Pod{}, false
	}
	return p.Pods[i], true
}

// Add inserts pod, keeping Pods sorted; a pod with the same key is replaced.
func (p *Plan) Add(pod Pod) {
	i, ok := slices.BinarySearchFunc(p.Pods, pod.Key(), func(q Pod, k string) int { return cmp.Compare(q.Key(), k) })
	if ok {
		p.Pods[i] = pod
		return
	}
	p.Pods = slices.Insert(p.Pods, i, pod)
}

// Remove deletes the pod with key, if any.
func (p *Plan) Remove(key string) {
	p.Pods = slices.DeleteFunc(p.Pods, func(q Pod) bool { return q.Key() == key })
}

// New plans a new cluster called name running set: the nodes named by the
// spec.nodeName of pods that are not virtual plus node-1..node-extraNodes.
func New(name string, extraNodes int, set *manifest.Set) (*Plan, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	if extraNodes < 0 {
		return nil, fmt.Errorf("plan cluster %s: negative node count %d", name, extraNodes)
	}
	names := map[string]bool{}
	for i := 1; i <= extraNodes; i++ {
		names[fmt.Sprintf("node-%d", i)] = true
	}
	for _, pod := range set.Pods {
		if virtual, _ := isVirtual(pod); !virtual && pod.Spec.NodeName != "" {
			names[pod.Spec.NodeName] = true
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("plan cluster %s: no nodes: no pod names one and the node count is 0", name)
	}
	if len(names) > maxNodes {
		return nil, fmt.Errorf("plan cluster %s: %d nodes, at most %d", name, len(names), maxNodes)
	}
	p := &Plan{Name: name}
	for i, node := range slices.Sorted(maps.Keys(names)) {
		if err := validateObjectName("node", node, true); err != nil {
			return nil, fmt.Errorf("plan cluster %s: %w", name, err)
		}
		idx := i + 1
		p.Nodes = append(p.Nodes, Node{
			Name:  node,
			Index: idx,
			Netns: NodeNetns(name, node),
			IPv4:  netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 240, 0, byte(idx)}), 24),
			IPv6:  netip.PrefixFrom(addr6(0x240, 0, idx), 64),
		})
	}
	return p.place(set)
}

// Update plans the cluster p after its manifests became set. Nodes stay;
// pods that stay keep their node and addresses unless set pins them to
// another node or other addresses, in which case they are planned anew;
// new pods go to the least loaded node.
func (p *Plan) Update(set *manifest.Set) (*Plan, error) { return p.place(set) }

// Diff returns the pods of old that next no longer has as they are (gone),
// and the pods of next that old does not have as they are (added).
func Diff(old, next *Plan) (gone, added []Pod) {
	for _, pod := range old.Pods {
		if q, ok := next.Pod(pod.Key()); !ok || !q.sameEndpoint(pod) {
			gone = append(gone, pod)
		}
	}
	for _, pod := range next.Pods {
		if q, ok := old.Pod(pod.Key()); !ok || !q.sameEndpoint(pod) {
			added = append(added, pod)
		}
	}
	return gone, added
}
