package identity

import (
	"fmt"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
)

// DefaultTrustDomain is the trust domain of the embedded default.
const DefaultTrustDomain = "cluster.local"

// PodID returns the SPIFFE ID of a pod running as serviceAccount in
// namespace; an empty service account is "default", as in Kubernetes.
func PodID(td spiffeid.TrustDomain, namespace, serviceAccount string) (spiffeid.ID, error) {
	if serviceAccount == "" {
		serviceAccount = "default"
	}
	id, err := spiffeid.FromSegments(td, "ns", namespace, "sa", serviceAccount)
	if err != nil {
		return spiffeid.ID{}, fmt.Errorf("spiffe id of %s/%s: %w", namespace, serviceAccount, err)
	}
	return id, nil
}
