package policy

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/zeta-net/zeta/policy/secid"
)

// hostAccess is the rule behind the node's access to its pods. NetworkPolicy
// never isolates a pod from its own node: kubelet probes come from there.
var hostAccess = RuleRef{Kind: "Zeta", Name: "host-access", Index: -1}

// Compile returns what the datapath enforces for pod, which must not be nil:
// the union of the NetworkPolicies that select it, with upstream semantics,
// as normalised entries (see Normalize) and the rules behind them.
func Compile(in Input, pod *corev1.Pod) (EndpointPolicy, error) {
	c := compiler{in: in, own: podPorts(pod), refs: map[RuleID]RuleRef{}}
	ep := EndpointPolicy{EnforceIngress: in.DefaultDeny, EnforceEgress: in.DefaultDeny}
	for _, np := range in.NetworkPolicies {
		if np.Namespace != pod.Namespace {
			continue
		}
		if err := c.policy(np, pod, &ep); err != nil {
			return EndpointPolicy{}, fmt.Errorf("compile pod %s/%s: %w", pod.Namespace, pod.Name, err)
		}
	}
	if ep.EnforceIngress {
		c.add(hostAccess, Entry{Direction: Ingress, Identity: secid.Host, Verdict: Allow})
	}
	ep.Entries = Normalize(c.entries)
	ep.Rules = make(map[RuleID]RuleRef, len(ep.Entries))
	for _, e := range ep.Entries {
		ep.Rules[e.Rule] = c.refs[e.Rule]
	}
	return ep, nil
}

// compiler collects one endpoint's entries across its policies.
type compiler struct {
	in      Input
	own     namedPorts              // the endpoint's named ports, for ingress rules
	byPeer  map[secid.ID]namedPorts // every identity's named ports, for egress rules; built on first use
	entries []Entry
	refs    map[RuleID]RuleRef
}

// policy adds np's rules to ep if np selects pod.
func (c *compiler) policy(np *networkingv1.NetworkPolicy, pod *corev1.Pod, ep *EndpointPolicy) error {
	if err := Validate(np); err != nil {
		return err
	}
	sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
	if err != nil {
		return fmt.Errorf("parse NetworkPolicy %s/%s spec.podSelector: %w", np.Namespace, np.Name, err)
	}
	if !sel.Matches(labels.Set(pod.Labels)) {
		return nil
	}
	ingress, egress := policyTypes(&np.Spec)
	if ingress {
		ep.EnforceIngress = true
		for i, r := range np.Spec.Ingress {
			if err := c.rule(np, Ingress, i, r.From, r.Ports); err != nil {
				return fmt.Errorf("compile NetworkPolicy %s/%s spec.ingress[%d]: %w", np.Namespace, np.Name, i, err)
			}
		}
	}
	if egress {
		ep.EnforceEgress = true
		for i, r := range np.Spec.Egress {
			if err := c.rule(np, Egress, i, r.To, r.Ports); err != nil {
				return fmt.Errorf("compile NetworkPolicy %s/%s spec.egress[%d]: %w", np.Namespace, np.Name, i, err)
			}
		}
	}
	return nil
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

// rule adds the entries of one ingress or egress rule: every peer identity
// it selects crossed with every port it names.
func (c *compiler) rule(np *networkingv1.NetworkPolicy, dir Direction, index int, peers []networkingv1.NetworkPolicyPeer, ports []networkingv1.NetworkPolicyPort) error {
	ref := RuleRef{Kind: "NetworkPolicy", Namespace: np.Namespace, Name: np.Name, Direction: dir, Index: index}
	ids, err := c.peerIdentities(np.Namespace, peers)
	if err != nil {
		return err
	}
	numbered, named, err := parsePorts(ports)
	if err != nil {
		return err
	}
	for _, id := range ids {
		for _, m := range numbered {
			c.add(ref, Entry{Direction: dir, Identity: id, Protocol: m.proto, Port: m.port, PortPrefix: m.prefix, Verdict: Allow})
		}
		for _, n := range named {
			for _, p := range c.resolve(dir, id, n) {
				c.add(ref, Entry{Direction: dir, Identity: p.id, Protocol: n.proto, Port: p.port, PortPrefix: 16, Verdict: Allow})
			}
		}
	}
	return nil
}

// add records e as produced by ref.
func (c *compiler) add(ref RuleRef, e Entry) {
	e.Rule = ref.ID()
	c.refs[e.Rule] = ref
	c.entries = append(c.entries, e)
}
