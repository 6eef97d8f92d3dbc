package offline

import (
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/zeta-net/zeta/agent/desired"
	"github.com/zeta-net/zeta/agent/manifest"
	"github.com/zeta-net/zeta/api/v1alpha1"
	"github.com/zeta-net/zeta/bpf/maps/endpointmap"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/secid"
)

// enforcedBy returns what makes dir default deny for pod on node n:
// --default-deny, and every policy that does so on its own, found by
// computing n's maps with that one policy ("Kind namespace/name").
func (m *Model) enforcedBy(n *Node, pod Pod, dir policy.Direction) ([]string, error) {
	var out []string
	if m.cfg.DefaultDeny {
		out = append(out, "--default-deny")
	}
	flag := endpointmap.EnforceIngress
	if dir == policy.Egress {
		flag = endpointmap.EnforceEgress
	}
	resolve := func(a netip.Addr) (int, error) {
		if a == pod.IPv4 || a == pod.IPv6 {
			return int(pod.Endpoint), nil
		}
		return 0, errors.New("not the pod explained")
	}
	cfg := m.cfg
	cfg.DefaultDeny = false
	for _, one := range eachPolicy(m.Set) {
		ids, err := secid.NewAllocator("")
		if err != nil {
			return nil, err
		}
		st, err := desired.NewComputer(cfg.desired(n.Name), ids).Compute(desired.ClusterOf(one.set), nil, resolve)
		if err != nil {
			return nil, fmt.Errorf("explain: compute %s alone: %w", one.name, err)
		}
		if st.Endpoints[pod.Endpoint].Flags&flag != 0 {
			out = append(out, one.name)
		}
	}
	return out, nil
}

// onePolicy is a set with one of its policies only.
type onePolicy struct {
	name string // "Kind namespace/name", or "Kind name" when cluster-scoped
	set  *manifest.Set
}

// eachPolicy returns, for each policy of set, set with that policy alone.
func eachPolicy(set *manifest.Set) []onePolicy {
	bare := *set
	bare.NetworkPolicies, bare.ZeroTrustPolicies, bare.ClusterZeroTrustPolicies = nil, nil, nil
	var out []onePolicy
	for _, k := range slices.Sorted(maps.Keys(set.NetworkPolicies)) {
		s := bare
		s.NetworkPolicies = map[string]*networkingv1.NetworkPolicy{k: set.NetworkPolicies[k]}
		out = append(out, onePolicy{"NetworkPolicy " + k, &s})
	}
	for _, k := range slices.Sorted(maps.Keys(set.ZeroTrustPolicies)) {
		s := bare
		s.ZeroTrustPolicies = map[string]*v1alpha1.ZeroTrustPolicy{k: set.ZeroTrustPolicies[k]}
		out = append(out, onePolicy{"ZeroTrustPolicy " + k, &s})
	}
	for _, k := range slices.Sorted(maps.Keys(set.ClusterZeroTrustPolicies)) {
		s := bare
		s.ClusterZeroTrustPolicies = map[string]*v1alpha1.ClusterZeroTrustPolicy{k: set.ClusterZeroTrustPolicies[k]}
		out = append(out, onePolicy{"ClusterZeroTrustPolicy " + k, &s})
	}
	return out
}
