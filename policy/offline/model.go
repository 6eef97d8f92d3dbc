package offline

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"

	"github.com/spiffe/go-spiffe/v2/spiffeid"

	"github.com/zeta-net/zeta/agent/desired"
	"github.com/zeta-net/zeta/agent/manifest"
	"github.com/zeta-net/zeta/bpf/maps/endpointmap"
	"github.com/zeta-net/zeta/bpf/maps/policymap"
	"github.com/zeta-net/zeta/identity"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/secid"
)

// DefaultNodes is how many nodes a model adds to those the pods name, as
// zeta-lab does by default.
const DefaultNodes = 2

// firstEndpoint is the endpoint number of the first pod in key order.
// Endpoint numbers stand in for the ifindex of a pod's veth and are unique
// across the model's nodes.
const firstEndpoint = 100

// Config describes the cluster a manifest directory is judged in.
type Config struct {
	// Nodes adds node-1..node-Nodes to the nodes the pods' spec.nodeName
	// names, as zeta-lab's --nodes.
	Nodes int
	// The agents' configuration: --default-deny, audit mode,
	// --identity-labels(-exclude) and --trust-domain.
	DefaultDeny bool
	AuditMode   bool
	LabelFilter secid.Filter
	TrustDomain spiffeid.TrustDomain
}

// desired is the configuration of node's agent.
func (c Config) desired(node string) desired.Config {
	return desired.Config{Node: node, LabelFilter: c.LabelFilter, TrustDomain: c.TrustDomain, DefaultDeny: c.DefaultDeny, AuditMode: c.AuditMode}
}

// DefaultConfig is zeta-lab's cluster with the agents' defaults.
func DefaultConfig() Config {
	return Config{
		Nodes:       DefaultNodes,
		LabelFilter: secid.DefaultFilter,
		TrustDomain: spiffeid.RequireTrustDomainFromString(identity.DefaultTrustDomain),
	}
}

// Model is a placed cluster and what every node's datapath holds for it.
// It must not be modified once built: a BPF evaluator keeps the maps it
// loaded from a node for as long as it judges that node.
type Model struct {
	// Set is the cluster as placed: pods on nodes with addresses,
	// namespaces labelled with their names.
	Set *manifest.Set
	// Nodes are sorted by name.
	Nodes []*Node
	// Pods are the pods that run (not zeta-lab's virtual pods), sorted by
	// key: the rows and columns of a matrix.
	Pods []Pod
	// Invalid are the policies that apply nowhere, with why; Warnings
	// what valid ones say that matches nothing. Both by "Kind
	// namespace/name", as the agents log them.
	Invalid  map[string]error
	Warnings map[string][]string

	cfg  Config
	pods map[string]int // index into Pods by key
}

// Pod is a running pod of a model.
type Pod struct {
	Key        string // "namespace/name"
	Node       string
	IPv4, IPv6 netip.Addr
	// Endpoint is the pod's endpoint number on its node.
	Endpoint uint32
}

// Addr returns the pod's IPv6 address if ipv6, else its IPv4 address.
func (p Pod) Addr(ipv6 bool) netip.Addr {
	if ipv6 {
		return p.IPv6
	}
	return p.IPv4
}

// Node is one node and the desired state of its maps.
type Node struct {
	Name string
	// Index is the node's position in Model.Nodes.
	Index int
	State *desired.State
	// policies are the compiled policies of the local endpoints, decoded
	// from State's policy entries and endpoint flags.
	policies map[uint32]policy.EndpointPolicy
}

// Build places set's pods and computes every node's maps. set is not
// modified.
func Build(set *manifest.Set, cfg Config) (*Model, error) {
	placedSet, p, err := place(set, cfg.Nodes)
	if err != nil {
		return nil, err
	}
	m := &Model{Set: placedSet, cfg: cfg, pods: map[string]int{}}
	endpoints := map[netip.Addr]uint32{}
	for i, pp := range p.Pods {
		if pp.Virtual {
			continue
		}
		ep := uint32(firstEndpoint + i)
		m.pods[pp.Key()] = len(m.Pods)
		m.Pods = append(m.Pods, Pod{Key: pp.Key(), Node: pp.Node, IPv4: pp.IPv4, IPv6: pp.IPv6, Endpoint: ep})
		for _, a := range []netip.Addr{pp.IPv4, pp.IPv6} {
			if a.IsValid() {
				endpoints[a] = ep
			}
		}
	}
	resolve := func(a netip.Addr) (int, error) {
		if ep, ok := endpoints[a]; ok {
			return int(ep), nil
		}
		return 0, fmt.Errorf("no endpoint has address %s", a)
	}

	cluster := desired.ClusterOf(placedSet)
	for i, pn := range p.Nodes {
		// Every agent numbers identities on its own, as in a cluster.
		ids, err := secid.NewAllocator("")
		if err != nil {
			return nil, fmt.Errorf("build model: %w", err)
		}
		st, err := desired.NewComputer(cfg.desired(pn.Name), ids).Compute(cluster, []netip.Addr{pn.IPv4.Addr(), pn.IPv6.Addr()}, resolve)
		if err != nil {
			return nil, fmt.Errorf("build model: node %s: %w", pn.Name, err)
		}
		m.Nodes = append(m.Nodes, &Node{Name: pn.Name, Index: i, State: st, policies: endpointPolicies(st)})
		m.Invalid, m.Warnings = st.Invalid, st.Warnings
	}
	for _, pod := range m.Pods {
		n, _ := m.Node(pod.Node)
		if _, ok := n.State.Endpoints[pod.Endpoint]; !ok {
			return nil, fmt.Errorf("build model: pod %s has no endpoint on node %s", pod.Key, pod.Node)
		}
	}
	return m, nil
}

// endpointPolicies decodes a node's policy entries and endpoint flags
// back into the compiler's terms, one EndpointPolicy per endpoint.
func endpointPolicies(st *desired.State) map[uint32]policy.EndpointPolicy {
	out := make(map[uint32]policy.EndpointPolicy, len(st.Endpoints))
	for ep, info := range st.Endpoints {
		out[ep] = policy.EndpointPolicy{
			EnforceIngress: info.Flags&endpointmap.EnforceIngress != 0,
			EnforceEgress:  info.Flags&endpointmap.EnforceEgress != 0,
			Rules:          st.Snapshot.Rules,
		}
	}
	// In key order, so that the entries of an endpoint come out the same
	// every time.
	keys := slices.SortedFunc(maps.Keys(st.Policy), comparePolicyKeys)
	for _, k := range keys {
		ep, ok := out[k.Endpoint]
		if !ok {
			continue
		}
		ep.Entries = append(ep.Entries, k.Entry(st.Policy[k]))
		out[k.Endpoint] = ep
	}
	return out
}

// Pod returns the running pod with key "namespace/name".
func (m *Model) Pod(key string) (Pod, bool) {
	i, ok := m.pods[key]
	if !ok {
		return Pod{}, false
	}
	return m.Pods[i], true
}

// Node returns the node called name.
func (m *Model) Node(name string) (*Node, bool) {
	for _, n := range m.Nodes {
		if n.Name == name {
			return n, true
		}
	}
	return nil, false
}

// ErrNoPod is returned for a pod the model does not run.
var ErrNoPod = errors.New("no such pod")

// pod returns the pod with key and its node.
func (m *Model) pod(key string) (Pod, *Node, error) {
	p, ok := m.Pod(key)
	if !ok {
		return Pod{}, nil, fmt.Errorf("pod %s: %w", key, ErrNoPod)
	}
	n, _ := m.Node(p.Node)
	return p, n, nil
}

// EndpointPolicy returns the compiled policy of a local endpoint, as its
// node's maps hold it.
func (n *Node) EndpointPolicy(endpoint uint32) (policy.EndpointPolicy, bool) {
	ep, ok := n.policies[endpoint]
	return ep, ok
}

// PeerIdentity is the identity the node's IP cache gives addr: that of the
// longest prefix holding it, or reserved:world.
func (n *Node) PeerIdentity(addr netip.Addr) secid.ID {
	best, id := -1, secid.World
	for p, v := range n.State.IPCache {
		if p.Bits() > best && p.Contains(addr) {
			best, id = p.Bits(), secid.ID(v)
		}
	}
	return id
}

func comparePolicyKeys(a, b policymap.Key) int {
	return cmp.Or(
		cmp.Compare(a.Endpoint, b.Endpoint),
		cmp.Compare(a.Direction, b.Direction),
		cmp.Compare(a.Identity, b.Identity),
		cmp.Compare(a.Protocol, b.Protocol),
		cmp.Compare(a.PrefixLen, b.PrefixLen),
		cmp.Compare(a.Port(), b.Port()),
	)
}
