package identity

import "github.com/spiffe/go-spiffe/v2/spiffeid"

// Workload is a pod on this node as an SVID source needs to know it: the
// SPIFFE ID Zeta expects it to have, and the pod metadata a SPIRE agent
// would attest it with.
type Workload struct {
	ID             spiffeid.ID
	Namespace      string
	ServiceAccount string
	PodName        string
	PodUID         string
	Labels         map[string]string
}

// WorkloadSetter is implemented by SVID sources that act per workload: a
// SPIRE source subscribes for each workload's SVIDs, the built-in CA
// issues ahead of first use and forgets the SVIDs of pods that left. The
// agent calls SetWorkloads with the full set of its local pods whenever
// it changes; the call does not block on the network.
type WorkloadSetter interface {
	SetWorkloads([]Workload)
}

// Revocations is implemented by SVID sources that keep a deny list of
// SPIFFE IDs. A verifier checks a peer against it after VerifyPeer, so a
// revoked identity cannot open new connections even while its SVID is
// still within its validity.
type Revocations interface {
	Revoked(id spiffeid.ID) bool
}
