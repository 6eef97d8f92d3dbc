// Package desired computes what one node's datapath must hold from the
// cluster state: identities for every pod address and every prefix a
// policy names, the IP cache, the node's local endpoints with their
// enforcement flags and policy entries, the pod ports of the whole cluster
// that only a proxy may connect to, and a snapshot that names what the
// numbers stand for. It does no I/O of its own: the agent passes how to
// find an endpoint's interface, and offline tools pass a made-up one.
//
// A Computer lives as long as its agent: it keeps the policy compiler's
// results between computations, so that a change recompiles only the
// endpoints it can affect.
package desired

import (
	"maps"
	"net/netip"
	"slices"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/zeta-net/zeta/api/v1alpha1"
	"github.com/zeta-net/zeta/bpf/maps/endpointmap"
	"github.com/zeta-net/zeta/bpf/maps/interceptmap"
	"github.com/zeta-net/zeta/bpf/maps/policymap"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/secid"
)

// State is everything one node's maps should hold.
type State struct {
	IPCache   map[netip.Prefix]uint32
	Endpoints map[uint32]endpointmap.Info // by ifindex, which is also the endpoint ID
	Policy    map[policymap.Key]policymap.Value
	// Intercept are the pod ports of the whole cluster that only a proxy
	// may connect to (intercept.go).
	Intercept map[interceptmap.Key]interceptmap.Value
	Snapshot  *Snapshot
	// Invalid are the policies that apply nowhere, with why, by "Kind
	// namespace/name" ("Kind name" for cluster policies).
	Invalid map[string]error
	// Warnings are what valid policies say that matches nothing, by
	// policy as Invalid names them.
	Warnings map[string][]string
}

// Config is what the computation needs besides the cluster.
type Config struct {
	Node        string
	LabelFilter secid.Filter
	TrustDomain spiffeid.TrustDomain
	DefaultDeny bool
	// AuditMode turns every endpoint's denials into audits, as the
	// namespace annotation AuditModeAnnotation does for one namespace.
	AuditMode bool
	// MutualTLSProxyPort and L7ProxyPort are the proxies redirected
	// connections go to (0: policy's defaults).
	MutualTLSProxyPort uint16
	L7ProxyPort        uint16
}

// AuditModeAnnotation on a namespace, set to "true", turns the denials of
// its endpoints into audits: logged as would-be denied, let through.
const AuditModeAnnotation = "zeta.io/audit-mode"

// Resolver finds the host-side interface of a local pod's address.
type Resolver func(netip.Addr) (ifindex int, err error)

// Computer computes desired states with one configuration and one
// identity allocator, reusing compiled policy from one computation to the
// next. It is not safe for concurrent use.
type Computer struct {
	cfg   Config
	alloc *secid.Allocator
	comp  *policy.Compiler
	pods  map[*corev1.Pod]*podInfo // of the last computation
	sizes sizes                    // of the last state
}

// sizes are a state's map sizes.
type sizes struct{ ipcache, endpoints, policy, identities, rules int }

// NewComputer returns a Computer that numbers identities with alloc.
func NewComputer(cfg Config, alloc *secid.Allocator) *Computer {
	return &Computer{cfg: cfg, alloc: alloc, comp: policy.NewCompiler(policy.Options{
		DefaultDeny:        cfg.DefaultDeny,
		TrustDomain:        cfg.TrustDomain,
		MutualTLSProxyPort: cfg.MutualTLSProxyPort,
		L7ProxyPort:        cfg.L7ProxyPort,
	})}
}

// Compute is one computation with a fresh Computer, for offline tools that
// compute a cluster once.
func Compute(cfg Config, cl *Cluster, alloc *secid.Allocator, hostAddrs []netip.Addr, resolve Resolver) (*State, error) {
	return NewComputer(cfg, alloc).Compute(cl, hostAddrs, resolve)
}

// Compute derives the desired maps from the cluster state. Local pods
// whose interface cannot be found yet are left out, to be picked up by a
// later computation.
func (c *Computer) Compute(cl *Cluster, hostAddrs []netip.Addr, resolve Resolver) (*State, error) {
	c.comp.SetPolicies(policiesOf(cl))
	// The last state's sizes are the best guess of this one's: growing
	// large maps from empty would cost more than filling them.
	n := c.sizes
	d := &State{
		IPCache:   make(map[netip.Prefix]uint32, n.ipcache),
		Endpoints: make(map[uint32]endpointmap.Info, n.endpoints),
		Policy:    make(map[policymap.Key]policymap.Value, n.policy),
		Intercept: map[interceptmap.Key]interceptmap.Value{},
		Snapshot: &Snapshot{
			Node:       c.cfg.Node,
			ByIP:       make(map[netip.Addr]*Workload, n.ipcache),
			Endpoints:  make(map[uint32]*Workload, n.endpoints),
			Identities: make(map[secid.ID]secid.Labels, n.identities),
			Rules:      make(map[policy.RuleID]policy.RuleRef, n.rules),
		},
		Invalid:  c.comp.Invalid(),
		Warnings: c.comp.Warnings(),
	}
	workloads, err := c.identities(cl, d, hostAddrs)
	if err != nil {
		return nil, err
	}
	if err := c.endpoints(cl, d, workloads, resolve); err != nil {
		return nil, err
	}
	if err := c.intercepts(d, workloads); err != nil {
		return nil, err
	}
	c.sizes = sizes{len(d.IPCache), len(d.Endpoints), len(d.Policy), len(d.Snapshot.Identities), len(d.Snapshot.Rules)}
	return d, nil
}

// policiesOf returns the cluster's policies, in no order: the compiler
// needs none.
func policiesOf(cl *Cluster) policy.Policies {
	return policy.Policies{
		NetworkPolicies:          slices.AppendSeq(make([]*networkingv1.NetworkPolicy, 0, len(cl.NetworkPolicies)), maps.Values(cl.NetworkPolicies)),
		ZeroTrustPolicies:        slices.AppendSeq(make([]*v1alpha1.ZeroTrustPolicy, 0, len(cl.ZeroTrustPolicies)), maps.Values(cl.ZeroTrustPolicies)),
		ClusterZeroTrustPolicies: slices.AppendSeq(make([]*v1alpha1.ClusterZeroTrustPolicy, 0, len(cl.ClusterZeroTrustPolicies)), maps.Values(cl.ClusterZeroTrustPolicies)),
	}
}
