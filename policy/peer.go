package policy

import (
	"fmt"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/zeta-net/zeta/policy/secid"
)

// peerIdentities returns the identities that a rule's from or to list
// selects; namespace is the policy's. An empty list selects every peer,
// inside the cluster or not: secid.Any. Duplicates are left for Normalize.
func (c *compiler) peerIdentities(namespace string, peers []networkingv1.NetworkPolicyPeer) ([]secid.ID, error) {
	if len(peers) == 0 {
		return []secid.ID{secid.Any}, nil
	}
	var ids []secid.ID
	for i, p := range peers {
		// Limitation: every ipBlock stands for secid.World, whatever its
		// CIDR and except list say, and never for pods inside it. The
		// datapath has no CIDR identities yet; when it has, an ipBlock
		// becomes the identities of its CIDR minus its exceptions.
		if p.IPBlock != nil {
			ids = append(ids, secid.World)
			continue
		}
		match, err := peerMatcher(namespace, p)
		if err != nil {
			return nil, fmt.Errorf("peer %d: %w", i, err)
		}
		for id, l := range c.in.Identities {
			if !id.Reserved() && match(l) {
				ids = append(ids, id)
			}
		}
	}
	return ids, nil
}

// peerMatcher returns whether an identity is selected by a pod or
// namespace peer. A podSelector alone selects in the policy's namespace, a
// namespaceSelector alone selects every pod of the namespaces it matches,
// and both together select the pods that match both.
func peerMatcher(namespace string, p networkingv1.NetworkPolicyPeer) (func(secid.Labels) bool, error) {
	pods := labels.Everything()
	if p.PodSelector != nil {
		var err error
		if pods, err = metav1.LabelSelectorAsSelector(p.PodSelector); err != nil {
			return nil, fmt.Errorf("parse podSelector: %w", err)
		}
	}
	if p.NamespaceSelector == nil {
		return func(l secid.Labels) bool {
			return l.Namespace == namespace && pods.Matches(l.PodSet())
		}, nil
	}
	namespaces, err := metav1.LabelSelectorAsSelector(p.NamespaceSelector)
	if err != nil {
		return nil, fmt.Errorf("parse namespaceSelector: %w", err)
	}
	return func(l secid.Labels) bool {
		return namespaces.Matches(l.NamespaceSet()) && pods.Matches(l.PodSet())
	}, nil
}
