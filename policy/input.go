package policy

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/zeta-net/zeta/policy/secid"
)

// Input is the cluster state that Compile reads for every endpoint. Compile
// does not modify it, so one Input serves a whole node's endpoints.
type Input struct {
	// NetworkPolicies are the cluster's policies. Compile refuses, with
	// Validate's error, a policy in the endpoint's namespace that the API
	// server would not have admitted, rather than guess what it means.
	NetworkPolicies []*networkingv1.NetworkPolicy

	// Identities are the cluster's pod identities: peer selectors are
	// evaluated over them. Reserved identities in the map are ignored.
	Identities map[secid.ID]secid.Labels

	// Pods and IdentityOf resolve named ports in egress rules. A named port
	// is the destination pod's own port by that name, so it is resolved on
	// every pod of each peer identity. Pods for which IdentityOf reports
	// false or a reserved identity are skipped; a nil IdentityOf leaves
	// egress named ports matching nothing.
	Pods       []*corev1.Pod
	IdentityOf func(*corev1.Pod) (secid.ID, bool)

	// DefaultDeny enforces every endpoint in both directions, whether or not
	// a policy selects it.
	DefaultDeny bool
}
