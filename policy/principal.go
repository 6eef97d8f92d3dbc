package policy

import (
	"github.com/spiffe/go-spiffe/v2/spiffeid"

	"github.com/zeta-net/zeta/api/v1alpha1"
	"github.com/zeta-net/zeta/policy/secid"
)

// principalPeer returns the peer of a principal, a SPIFFE ID pattern
// spiffe://<trust domain>/ns/<ns>/sa/<sa> whose namespace or service
// account may be "*". Zeta's workloads have such IDs (package identity),
// so it selects the pod identities of that namespace and service account.
// A principal of another trust domain than the cluster's names no
// workload here and matches nothing.
func principalPeer(p v1alpha1.Principal, td spiffeid.TrustDomain) peerSelector {
	if p.TrustDomain != td {
		return func(*index) []secid.ID { return nil }
	}
	ns := p.Namespace
	if ns == v1alpha1.Wildcard {
		ns = ""
	}
	return func(ix *index) []secid.ID {
		return ix.filter(ix.inNamespace(ns), func(_ secid.ID, l secid.Labels) bool {
			return p.Matches(td, l.Namespace, l.ServiceAccount)
		})
	}
}
