package policy

import (
	"fmt"
	"net/netip"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/zeta-net/zeta/policy/secid"
)

// parseNetworkPolicy validates np and parses it, with upstream semantics:
// it selects pods of its namespace, isolates them in the directions of its
// policy types, and each rule allows its peers on its ports.
func parseNetworkPolicy(np *networkingv1.NetworkPolicy) (*source, error) {
	if err := Validate(np); err != nil {
		return nil, err
	}
	sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
	if err != nil {
		return nil, fmt.Errorf("parse NetworkPolicy %s/%s spec.podSelector: %w", np.Namespace, np.Name, err)
	}
	src := &source{namespace: np.Namespace, selects: func(l secid.Labels) bool { return sel.Matches(l.PodSet()) }}
	ingress, egress := policyTypes(&np.Spec)
	src.enforce = [2]bool{Ingress: ingress, Egress: egress}
	if ingress {
		for i, r := range np.Spec.Ingress {
			if err := src.addNetworkPolicyRule(np, Ingress, i, r.From, r.Ports); err != nil {
				return nil, fmt.Errorf("parse NetworkPolicy %s/%s spec.ingress[%d]: %w", np.Namespace, np.Name, i, err)
			}
		}
	}
	if egress {
		for i, r := range np.Spec.Egress {
			if err := src.addNetworkPolicyRule(np, Egress, i, r.To, r.Ports); err != nil {
				return nil, fmt.Errorf("parse NetworkPolicy %s/%s spec.egress[%d]: %w", np.Namespace, np.Name, i, err)
			}
		}
	}
	return src, nil
}

// policyTypes returns the directions in which np isolates the pods it
// selects. Omitted policyTypes default as the API server defaults them:
// Ingress always, Egress when there are egress rules. Rules of a direction
// not listed are ignored, as upstream.
func policyTypes(spec *networkingv1.NetworkPolicySpec) (ingress, egress bool) {
	if len(spec.PolicyTypes) == 0 {
		return true, len(spec.Egress) > 0
	}
	for _, t := range spec.PolicyTypes {
		switch t {
		case networkingv1.PolicyTypeIngress:
			ingress = true
		case networkingv1.PolicyTypeEgress:
			egress = true
		}
	}
	return ingress, egress
}

// addNetworkPolicyRule adds one ingress or egress rule: its peers allowed
// on its ports. An ipBlock selects by address, pods included: every
// identity whose addresses are inside cidr and outside every except.
func (s *source) addNetworkPolicyRule(np *networkingv1.NetworkPolicy, dir Direction, index int, peers []networkingv1.NetworkPolicyPeer, ports []networkingv1.NetworkPolicyPort) error {
	ref := RuleRef{Kind: "NetworkPolicy", Namespace: np.Namespace, Name: np.Name, Direction: dir, Index: index}
	r := &rule{ref: ref, id: ref.ID(), dir: dir, verdict: Allow}
	var err error
	if r.ports, r.named, err = parsePorts(ports); err != nil {
		return err
	}
	for i, p := range peers {
		var sel peerSelector
		if p.IPBlock != nil {
			var prefixes []netip.Prefix
			sel, prefixes, err = cidrPeer(p.IPBlock.CIDR, p.IPBlock.Except)
			s.cidrs = append(s.cidrs, prefixes...)
		} else {
			sel, err = selectorPeer(np.Namespace, p.PodSelector, p.NamespaceSelector)
		}
		if err != nil {
			return fmt.Errorf("peer %d: %w", i, err)
		}
		r.peers = append(r.peers, sel)
	}
	s.egressNamed = s.egressNamed || (dir == Egress && len(r.named) > 0)
	s.rules = append(s.rules, r)
	return nil
}
