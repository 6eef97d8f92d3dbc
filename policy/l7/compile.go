package l7

import (
	"fmt"

	"github.com/zeta-net/zeta/api/v1alpha1"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/secid"
)

// protoTCP is the IP protocol of HTTP.
const protoTCP = 6

// Policy is what the L7 proxy enforces on the requests to one pod port.
type Policy struct {
	// Pod is "namespace/name"; Port the pod's port.
	Pod  string
	Port uint16
	// Enforced is whether ingress is default deny for the pod: a request
	// no rule applies to is denied if so, allowed if not.
	Enforced bool
	Rules    []Rule
}

// Rule is one policy rule that applies to the port.
type Rule struct {
	Ref policy.RuleRef
	// Name is how records and explanations name the rule (Ref.String()).
	Name string
	// Verdict is Allow, Deny or Audit; an Allow the datapath redirects to
	// a proxy is an Allow here.
	Verdict policy.Verdict
	// Peers are the identities the rule matches; secid.Any matches all.
	Peers []secid.ID
	// HTTP are the rule's HTTP rules; none means every request.
	HTTP []v1alpha1.HTTPRule
	// Providers are the JWT providers of the rule's policy, which its
	// HTTP rules' jwt requirements name.
	Providers []v1alpha1.JWTProvider
}

// Compiler compiles L7 policies; it wraps a policy.Compiler and is not
// safe for concurrent use.
type Compiler struct {
	pc    *policy.Compiler
	specs map[string]*v1alpha1.ZeroTrustPolicySpec // by "Kind namespace/name"
}

// NewCompiler returns a compiler with the agents' options.
func NewCompiler(opts policy.Options) *Compiler {
	return &Compiler{pc: policy.NewCompiler(opts)}
}

// SetPolicies gives the cluster's policies; the objects must not be
// modified afterwards (see policy.Policies).
func (c *Compiler) SetPolicies(p policy.Policies) {
	c.pc.SetPolicies(p)
	c.specs = map[string]*v1alpha1.ZeroTrustPolicySpec{}
	for _, z := range p.ZeroTrustPolicies {
		c.specs[specKey("ZeroTrustPolicy", z.Namespace, z.Name)] = &z.Spec
	}
	for _, z := range p.ClusterZeroTrustPolicies {
		c.specs[specKey("ClusterZeroTrustPolicy", "", z.Name)] = &z.Spec
	}
}

// SetPeers gives the identities peers are selected among.
func (c *Compiler) SetPeers(p policy.Peers) { c.pc.SetPeers(p) }

// Invalid returns the policies that apply nowhere, as policy.Compiler.
func (c *Compiler) Invalid() map[string]error { return c.pc.Invalid() }

// Compile returns the L7 policy of ep's TCP port.
func (c *Compiler) Compile(ep policy.Endpoint, port uint16) (*Policy, error) {
	applied, enforced, err := c.pc.RulesAt(ep, policy.Ingress, protoTCP, port)
	if err != nil {
		return nil, fmt.Errorf("compile l7 policy: %w", err)
	}
	out := &Policy{Pod: ep.Pod.Namespace + "/" + ep.Pod.Name, Port: port, Enforced: enforced}
	for _, a := range applied {
		r := Rule{Ref: a.Ref, Name: a.Ref.String(), Verdict: a.Verdict, Peers: a.Peers}
		if r.Verdict == policy.Redirect {
			r.Verdict = policy.Allow
		}
		if spec := c.specs[specKey(a.Ref.Kind, a.Ref.Namespace, a.Ref.Name)]; spec != nil && a.Ref.Index >= 0 && a.Ref.Index < len(spec.Ingress) {
			r.HTTP = spec.Ingress[a.Ref.Index].HTTP
			if len(r.HTTP) > 0 {
				r.Providers = spec.JWTProviders
			}
		}
		out.Rules = append(out.Rules, r)
	}
	return out, nil
}

// HasHTTP reports whether a rule of the policy has HTTP rules: whether
// the port is one the proxy judges request by request.
func (p *Policy) HasHTTP() bool {
	for _, r := range p.Rules {
		if len(r.HTTP) > 0 {
			return true
		}
	}
	return false
}

func specKey(kind, namespace, name string) string { return kind + " " + namespace + "/" + name }
