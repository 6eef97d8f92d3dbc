package policy

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/spiffe/go-spiffe/v2/spiffeid"

	"github.com/zeta-net/zeta/api/v1alpha1"
	"github.com/zeta-net/zeta/policy/secid"
)

// Policies are the cluster's policy objects. An object must not be
// modified once passed, as objects from an informer's cache are not: the
// Compiler knows an unchanged policy by its pointer and does not parse or
// validate it again.
type Policies struct {
	NetworkPolicies          []*networkingv1.NetworkPolicy
	ZeroTrustPolicies        []*v1alpha1.ZeroTrustPolicy
	ClusterZeroTrustPolicies []*v1alpha1.ClusterZeroTrustPolicy
}

// Peers are what policies select peers among.
type Peers struct {
	// Identities are the cluster's identities, pods' and CIDRs', by
	// number; reserved identities in the map are ignored. A number must
	// always stand for the same labels, as secid.Allocator guarantees:
	// the Compiler compares identity sets by number.
	Identities map[secid.ID]secid.Labels

	// Pods and IdentitiesOf resolve named ports in egress rules. A named
	// port is the destination pod's own port by that name, so it is
	// resolved on every pod of each peer identity. A pod whose addresses
	// have several identities (one per family, when policy CIDRs contain
	// some of them) counts for each. A nil IdentitiesOf leaves egress
	// named ports matching nothing.
	Pods         []*corev1.Pod
	IdentitiesOf func(*corev1.Pod) []secid.ID
}

// Options are what a Compiler is configured with for its life.
type Options struct {
	// DefaultDeny enforces every endpoint in both directions, whether or
	// not a policy selects it.
	DefaultDeny bool
	// TrustDomain is the trust domain of the cluster's workloads: a
	// principal of another one matches nothing.
	TrustDomain spiffeid.TrustDomain
	// MutualTLSProxyPort and L7ProxyPort are the proxies that Redirect
	// entries name for rules requiring mutual TLS and for rules with HTTP
	// rules; 0 means DefaultMutualTLSProxyPort and DefaultL7ProxyPort.
	MutualTLSProxyPort uint16
	L7ProxyPort        uint16
}

// Default proxy ports (Istio's ztunnel inbound and sidecar outbound ports).
const (
	DefaultMutualTLSProxyPort uint16 = 15008
	DefaultL7ProxyPort        uint16 = 15001
)

// Endpoint is a pod whose policy Compile computes.
type Endpoint struct {
	// Identity is the identity of the pod's addresses (of its first
	// address, if they have several). Policies select endpoints by the
	// labels of their identity, as they select peers, so every pod of an
	// identity is enforced alike.
	Identity secid.ID
	// Pod gives the endpoint's own named ports, for ingress rules.
	Pod *corev1.Pod
}
