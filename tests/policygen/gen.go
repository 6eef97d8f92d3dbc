package policygen

import (
	"fmt"
	"math/rand/v2"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// The alphabet of names and labels.
var (
	namespaces      = []string{"x", "y", "z"}
	podNames        = []string{"a", "b", "c"}
	podKeys         = []string{"app", "tier"}
	podValues       = []string{"a", "b"}
	namespaceKeys   = []string{"team", "env"}
	namespaceValues = []string{"red", "blue"}
	ports           = []int32{80, 81}
)

// nameLabel is the namespace label the API server sets.
const nameLabel = "kubernetes.io/metadata.name"

// Most policies, rules, peers and ports Generate makes of one kind.
const (
	maxPolicies = 4
	maxRules    = 2
	maxPeers    = 2
	maxPorts    = 2
)

// Scenario is one generated cluster.
type Scenario struct {
	Seed       uint64
	Namespaces []*corev1.Namespace
	Pods       []*corev1.Pod
	Policies   []*networkingv1.NetworkPolicy
}

// gen draws one scenario's choices.
type gen struct{ r *rand.Rand }

// Generate returns the scenario of seed.
func Generate(seed uint64) *Scenario {
	g := gen{r: rand.New(rand.NewPCG(seed, 0x7a657461))} //nolint:gosec // reproducible test data, not secrets
	s := &Scenario{Seed: seed}
	for _, ns := range namespaces {
		s.Namespaces = append(s.Namespaces, &corev1.Namespace{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
			ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: g.labels(namespaceKeys, namespaceValues)},
		})
	}
	for len(s.Pods) < 3 {
		s.Pods = s.Pods[:0]
		for _, ns := range namespaces {
			for _, name := range podNames {
				if g.r.IntN(4) > 0 {
					s.Pods = append(s.Pods, g.pod(ns, name))
				}
			}
		}
	}
	for i := range g.r.IntN(maxPolicies + 1) {
		s.Policies = append(s.Policies, g.policy(i))
	}
	return s
}

// labels draws each key with probability 2/3 and a value for it.
func (g gen) labels(keys, values []string) map[string]string {
	out := map[string]string{}
	for _, k := range keys {
		if g.r.IntN(3) > 0 {
			out[k] = g.pick(values)
		}
	}
	return out
}

func (g gen) pick(from []string) string { return from[g.r.IntN(len(from))] }

// pod serves TCP and UDP on 80 and 81; web names one of its TCP ports, dns
// one of its UDP ports, or neither.
func (g gen) pod(ns, name string) *corev1.Pod {
	names := map[corev1.Protocol]string{corev1.ProtocolTCP: "web", corev1.ProtocolUDP: "dns"}
	var cps []corev1.ContainerPort
	for _, proto := range []corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolUDP} {
		named := g.r.IntN(3) // 0: 80, 1: 81, 2: none
		for i, port := range ports {
			cp := corev1.ContainerPort{ContainerPort: port, Protocol: proto}
			if i == named {
				cp.Name = names[proto]
			}
			cps = append(cps, cp)
		}
	}
	return &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: g.labels(podKeys, podValues)},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "serve", Image: "serve", Ports: cps}}},
	}
}

func (g gen) policy(i int) *networkingv1.NetworkPolicy {
	np := &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: metav1.ObjectMeta{Namespace: g.pick(namespaces), Name: fmt.Sprintf("p%d", i)},
		Spec:       networkingv1.NetworkPolicySpec{PodSelector: *g.selector(podKeys, podValues)},
	}
	switch g.r.IntN(4) {
	case 1:
		np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
	case 2:
		np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}
	case 3:
		np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}
	}
	for range g.rules() {
		np.Spec.Ingress = append(np.Spec.Ingress, networkingv1.NetworkPolicyIngressRule{From: g.peers(), Ports: g.ports()})
	}
	for range g.rules() {
		np.Spec.Egress = append(np.Spec.Egress, networkingv1.NetworkPolicyEgressRule{To: g.peers(), Ports: g.ports()})
	}
	return np
}

// rules is how many rules a direction gets; an empty list and no list
// mean the same, and both are drawn.
func (g gen) rules() int { return g.r.IntN(maxRules + 1) }

// peers is an empty list (every peer) or up to maxPeers peers.
func (g gen) peers() []networkingv1.NetworkPolicyPeer {
	var out []networkingv1.NetworkPolicyPeer
	for range g.r.IntN(maxPeers + 1) {
		var p networkingv1.NetworkPolicyPeer
		switch k := g.r.IntN(10); {
		case k < 4:
			p.PodSelector = g.selector(podKeys, podValues)
		case k < 6:
			p.NamespaceSelector = g.namespaceSelector()
		case k < 9:
			p.PodSelector = g.selector(podKeys, podValues)
			p.NamespaceSelector = g.namespaceSelector()
		default:
			p.IPBlock = g.ipBlock()
		}
		out = append(out, p)
	}
	return out
}

// namespaceSelector selects by the alphabet or by the name label.
func (g gen) namespaceSelector() *metav1.LabelSelector {
	if g.r.IntN(4) == 0 {
		return g.selector([]string{nameLabel}, namespaces)
	}
	return g.selector(namespaceKeys, namespaceValues)
}

// selector is empty, matchLabels of one label, or one or two
// matchExpressions with any operator.
func (g gen) selector(keys, values []string) *metav1.LabelSelector {
	s := &metav1.LabelSelector{}
	switch g.r.IntN(5) {
	case 0:
	case 1, 2:
		s.MatchLabels = map[string]string{g.pick(keys): g.pick(values)}
	default:
		for range 1 + g.r.IntN(2) {
			e := metav1.LabelSelectorRequirement{Key: g.pick(keys)}
			switch g.r.IntN(4) {
			case 0:
				e.Operator = metav1.LabelSelectorOpIn
			case 1:
				e.Operator = metav1.LabelSelectorOpNotIn
			case 2:
				e.Operator = metav1.LabelSelectorOpExists
			default:
				e.Operator = metav1.LabelSelectorOpDoesNotExist
			}
			if e.Operator == metav1.LabelSelectorOpIn || e.Operator == metav1.LabelSelectorOpNotIn {
				e.Values = []string{g.pick(values)}
				if other := g.pick(values); g.r.IntN(2) == 0 && other != e.Values[0] {
					e.Values = append(e.Values, other)
				}
			}
			s.MatchExpressions = append(s.MatchExpressions, e)
		}
	}
	return s
}

// ports is an empty list (every port) or up to maxPorts ports: a number, a
// range, a name, or a protocol alone.
func (g gen) ports() []networkingv1.NetworkPolicyPort {
	var out []networkingv1.NetworkPolicyPort
	for range g.r.IntN(maxPorts + 1) {
		var p networkingv1.NetworkPolicyPort
		switch g.r.IntN(3) {
		case 1:
			p.Protocol = new(corev1.ProtocolTCP)
		case 2:
			p.Protocol = new(corev1.ProtocolUDP)
		}
		switch k := g.r.IntN(8); {
		case k < 3:
			p.Port = new(intstr.FromInt32(ports[g.r.IntN(len(ports))]))
		case k < 4:
			p.Port = new(intstr.FromInt32(80))
			p.EndPort = new(int32(81))
		case k < 5:
			p.Port = new(intstr.FromInt32(81))
			p.EndPort = new(int32(81 + int32(g.r.IntN(100))))
		case k < 7:
			p.Port = new(intstr.FromString(g.pick([]string{"web", "dns"})))
		}
		out = append(out, p)
	}
	return out
}

// ipBlocks are ranges over the addresses zeta-lab gives pods: node k's
// pods are 10.244.k.2 upwards and fd00:10:244:k::2 upwards.
var ipBlocks = []networkingv1.IPBlock{
	{CIDR: "10.244.0.0/16"},
	{CIDR: "10.244.1.0/24"},
	{CIDR: "10.244.0.0/16", Except: []string{"10.244.2.0/24"}},
	{CIDR: "10.244.0.0/16", Except: []string{"10.244.1.2/32", "10.244.2.3/32"}},
	{CIDR: "10.244.2.0/24", Except: []string{"10.244.2.2/31"}},
	{CIDR: "10.244.1.3/32"},
	{CIDR: "0.0.0.0/0", Except: []string{"10.244.1.0/24"}},
	{CIDR: "192.0.2.0/24"},
	{CIDR: "fd00:10:244::/48", Except: []string{"fd00:10:244:1::/64"}},
	{CIDR: "fd00:10:244:2::2/128"},
}

func (g gen) ipBlock() *networkingv1.IPBlock {
	b := ipBlocks[g.r.IntN(len(ipBlocks))]
	return &networkingv1.IPBlock{CIDR: b.CIDR, Except: append([]string(nil), b.Except...)}
}

// YAML is the scenario as one manifest file, namespaces first.
func (s *Scenario) YAML() (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "# policygen seed %d\n", s.Seed)
	var docs []any
	for _, ns := range s.Namespaces {
		docs = append(docs, ns)
	}
	for _, p := range s.Pods {
		docs = append(docs, p)
	}
	for _, np := range s.Policies {
		docs = append(docs, np)
	}
	for _, d := range docs {
		data, err := yaml.Marshal(d)
		if err != nil {
			return "", fmt.Errorf("marshal scenario %d: %w", s.Seed, err)
		}
		b.WriteString("---\n")
		b.Write(data)
	}
	return b.String(), nil
}

// Files is the scenario as a manifest directory.
func (s *Scenario) Files() (map[string]string, error) {
	y, err := s.YAML()
	if err != nil {
		return nil, err
	}
	return map[string]string{"cluster.yaml": y}, nil
}
