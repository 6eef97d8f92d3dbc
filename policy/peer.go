package policy

import (
	"fmt"
	"net/netip"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/zeta-net/zeta/policy/secid"
)

// selectorPeer returns the peer of a podSelector and namespaceSelector,
// either of which may be nil. A podSelector alone selects in namespace (in
// every namespace if it is ""), a namespaceSelector alone selects every pod
// of the namespaces it matches, and both together select the pods that
// match both. CIDR identities are never selected: they are no pods.
func selectorPeer(namespace string, podSel, nsSel *metav1.LabelSelector) (peerSelector, error) {
	pods := labels.Everything()
	if podSel != nil {
		var err error
		if pods, err = metav1.LabelSelectorAsSelector(podSel); err != nil {
			return nil, fmt.Errorf("parse podSelector: %w", err)
		}
	}
	if nsSel == nil {
		return func(ix *index) []secid.ID {
			return ix.filter(ix.inNamespace(namespace), func(_ secid.ID, l secid.Labels) bool { return pods.Matches(l.PodSet()) })
		}, nil
	}
	namespaces, err := metav1.LabelSelectorAsSelector(nsSel)
	if err != nil {
		return nil, fmt.Errorf("parse namespaceSelector: %w", err)
	}
	return func(ix *index) []secid.ID {
		return ix.filter(ix.pods, func(id secid.ID, l secid.Labels) bool {
			return namespaces.Matches(ix.nsSets[id]) && pods.Matches(l.PodSet())
		})
	}, nil
}

// cidrPeer returns the peer of an address block: every identity, pod or
// CIDR, whose addresses are inside cidr and inside none of except. The
// prefixes are parsed and canonicalised as secid.CIDRSet writes
// memberships; it also returns them, for CIDR identities.
func cidrPeer(cidr string, except []string) (peerSelector, []netip.Prefix, error) {
	in, err := netip.ParsePrefix(cidr)
	if err != nil {
		return nil, nil, fmt.Errorf("parse cidr: %w", err)
	}
	prefixes := []netip.Prefix{in.Masked()}
	excepts := make([]string, 0, len(except))
	for i, s := range except {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, nil, fmt.Errorf("parse except[%d]: %w", i, err)
		}
		prefixes = append(prefixes, p.Masked())
		excepts = append(excepts, p.Masked().String())
	}
	inside := in.Masked().String()
	return func(ix *index) []secid.ID {
		return ix.filter(ix.byCIDR[inside], func(_ secid.ID, l secid.Labels) bool {
			return !slices.ContainsFunc(excepts, l.InCIDR)
		})
	}, prefixes, nil
}
