package policy

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/zeta-net/zeta/api/v1alpha1"
	"github.com/zeta-net/zeta/policy/secid"
)

// parseZeroTrustPolicy parses a namespaced policy: it selects pods of its
// namespace, and its selector peers default to that namespace.
func parseZeroTrustPolicy(p *v1alpha1.ZeroTrustPolicy, opts Options) *parsed {
	z := ztpParser{kind: "ZeroTrustPolicy", namespace: p.Namespace, name: p.Name, spec: &p.Spec, opts: opts}
	return z.parse(p)
}

// parseClusterZeroTrustPolicy parses a cluster policy: it selects pods in
// the namespaces its namespaceSelector selects (every one if unset), and
// its selector peers default to every namespace.
func parseClusterZeroTrustPolicy(p *v1alpha1.ClusterZeroTrustPolicy, opts Options) *parsed {
	z := ztpParser{kind: "ClusterZeroTrustPolicy", name: p.Name, spec: &p.Spec, opts: opts}
	return z.parse(p)
}

// ztpParser turns either kind of ZeroTrustPolicy into a source.
type ztpParser struct {
	kind, namespace, name string
	spec                  *v1alpha1.ZeroTrustPolicySpec
	opts                  Options
}

// validated is either kind of policy as the API package validates it.
type validated interface {
	Validate(trustDomain string) error
	Warnings(trustDomain string) []string
}

// parse validates the policy completely, as for NetworkPolicies: an
// invalid one, which the API server may never have seen, applies nowhere.
func (z *ztpParser) parse(v validated) *parsed {
	pp := &parsed{key: policyKey(z.kind, z.namespace, z.name)}
	td := z.opts.TrustDomain.Name()
	if pp.err = v.Validate(td); pp.err != nil {
		return pp
	}
	if pp.src, pp.err = z.source(); pp.err != nil {
		pp.err = fmt.Errorf("parse %s: %w", pp.key, pp.err)
		return pp
	}
	pp.warnings = v.Warnings(td)
	return pp
}

// source builds the source: the directions a policy enforces are those in
// which it has an Allow rule, so a policy of Deny and Audit rules only
// judges what it names and leaves everything else as it was.
func (z *ztpParser) source() (*source, error) {
	selects, err := z.selects()
	if err != nil {
		return nil, err
	}
	src := &source{namespace: z.namespace, selects: selects}
	for _, d := range []struct {
		dir         Direction
		field, peer string
		rules       []v1alpha1.Rule
	}{{Ingress, "ingress", "from", z.spec.Ingress}, {Egress, "egress", "to", z.spec.Egress}} {
		for i := range d.rules {
			r := &d.rules[i]
			peers := r.From
			if d.dir == Egress {
				peers = r.To
			}
			if err := z.addRule(src, d.dir, i, r, peers, fmt.Sprintf("spec.%s[%d]", d.field, i), d.peer); err != nil {
				return nil, err
			}
			src.enforce[d.dir] = src.enforce[d.dir] || action(r.Action) == Allow
		}
	}
	return src, nil
}

// selects returns whether an endpoint's identity is one the policy selects.
func (z *ztpParser) selects() (func(secid.Labels) bool, error) {
	pods, err := metav1.LabelSelectorAsSelector(&z.spec.Selector)
	if err != nil {
		return nil, fmt.Errorf("spec.selector: %w", err)
	}
	namespaces := labels.Everything()
	if z.spec.NamespaceSelector != nil { // validated: cluster policies only
		if namespaces, err = metav1.LabelSelectorAsSelector(z.spec.NamespaceSelector); err != nil {
			return nil, fmt.Errorf("spec.namespaceSelector: %w", err)
		}
	}
	return func(l secid.Labels) bool {
		return namespaces.Matches(l.NamespaceSet()) && pods.Matches(l.PodSet())
	}, nil
}

// addRule parses one rule. An Allow rule that requires mutual TLS (its
// own authentication, else the policy's) or has HTTP rules becomes a
// Redirect to the proxy that enforces that: the L7 proxy if there are HTTP
// rules (it terminates mutual TLS too), else the mutual TLS proxy. Deny
// and Audit judge the connection before any proxy would see it.
func (z *ztpParser) addRule(src *source, dir Direction, index int, r *v1alpha1.Rule, peers []v1alpha1.Peer, path, peerField string) error {
	ref := RuleRef{Kind: z.kind, Namespace: z.namespace, Name: z.name, Direction: dir, Index: index, RuleName: r.Name}
	out := &rule{ref: ref, id: ref.ID(), dir: dir, verdict: action(r.Action)}
	if out.verdict == none {
		return fmt.Errorf("%s.action: unsupported action %q", path, r.Action)
	}
	auth := r.Authentication
	if auth == "" {
		auth = z.spec.Authentication
	}
	if out.verdict == Allow {
		switch {
		case len(r.HTTP) > 0:
			out.verdict, out.proxy = Redirect, z.opts.L7ProxyPort
		case auth == v1alpha1.AuthenticationMutualTLS:
			out.verdict, out.proxy = Redirect, z.opts.MutualTLSProxyPort
		}
	}
	var err error
	if out.ports, err = parsePortRanges(r.Ports); err != nil {
		return fmt.Errorf("%s.%w", path, err)
	}
	for i := range peers {
		sels, err := z.peer(src, &peers[i], fmt.Sprintf("%s.%s[%d]", path, peerField, i))
		if err != nil {
			return err
		}
		out.peers = append(out.peers, sels...)
	}
	src.rules = append(src.rules, out)
	return nil
}

// action is the verdict of a rule's action; none if unknown.
func action(a v1alpha1.Action) Verdict {
	switch a {
	case "", v1alpha1.ActionAllow:
		return Allow
	case v1alpha1.ActionDeny:
		return Deny
	case v1alpha1.ActionAudit:
		return Audit
	}
	return none
}

// peer parses one peer: selectors, a CIDR with exceptions, or principals.
func (z *ztpParser) peer(src *source, p *v1alpha1.Peer, path string) ([]peerSelector, error) {
	switch {
	case p.CIDR != "":
		sel, prefixes, err := cidrPeer(p.CIDR, p.Except)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		src.cidrs = append(src.cidrs, prefixes...)
		return []peerSelector{sel}, nil
	case len(p.Principals) > 0:
		var out []peerSelector
		for i, s := range p.Principals {
			pr, err := v1alpha1.ParsePrincipal(s)
			if err != nil {
				return nil, fmt.Errorf("%s.principals[%d]: %w", path, i, err)
			}
			out = append(out, principalPeer(pr, z.opts.TrustDomain))
		}
		return out, nil
	case p.PodSelector != nil || p.NamespaceSelector != nil:
		sel, err := selectorPeer(z.namespace, p.PodSelector, p.NamespaceSelector)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return []peerSelector{sel}, nil
	}
	return nil, fmt.Errorf("%s: a peer needs a selector, a cidr or principals", path)
}
