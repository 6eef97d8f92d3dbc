package v1alpha1

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Wildcard is the principal path segment that matches any namespace or
// service account.
const Wildcard = "*"

func (v *validator) selector(s *metav1.LabelSelector, path *field.Path) {
	v.add(metav1validation.ValidateLabelSelector(s, metav1validation.LabelSelectorValidationOptions{}, path)...)
}

func (v *validator) peer(p *Peer, path *field.Path) {
	// The kinds a peer sets, in the order they are reported.
	var kinds []string
	if p.PodSelector != nil {
		kinds = append(kinds, "podSelector")
	}
	if p.NamespaceSelector != nil && p.PodSelector == nil {
		kinds = append(kinds, "namespaceSelector")
	}
	if p.CIDR != "" {
		kinds = append(kinds, "cidr")
	}
	if len(p.Principals) > 0 {
		kinds = append(kinds, "principals")
	}
	switch {
	case len(kinds) == 0:
		v.add(field.Required(path, "one of podSelector/namespaceSelector, cidr or principals"))
	case len(kinds) > 1:
		for _, k := range kinds[1:] {
			v.add(field.Forbidden(path.Child(k), "may not be combined with "+kinds[0]))
		}
	}

	if p.PodSelector != nil {
		v.selector(p.PodSelector, path.Child("podSelector"))
	}
	if p.NamespaceSelector != nil {
		v.selector(p.NamespaceSelector, path.Child("namespaceSelector"))
	}
	v.cidr(p, path)
	for i, s := range p.Principals {
		pp := path.Child("principals").Index(i)
		pr, err := ParsePrincipal(s)
		if err != nil {
			v.add(field.Invalid(pp, s, err.Error()))
		} else if v.trustDomain != "" && pr.TrustDomain.Name() != v.trustDomain {
			v.warn(pp, "trust domain %q is not the agent's (%q): the principal matches nothing", pr.TrustDomain.Name(), v.trustDomain)
		}
	}
}

func (v *validator) cidr(p *Peer, path *field.Path) {
	var block netip.Prefix
	if p.CIDR != "" {
		var err error
		if block, err = parseNetwork(p.CIDR); err != nil {
			v.add(field.Invalid(path.Child("cidr"), p.CIDR, err.Error()))
		}
	} else if len(p.Except) > 0 {
		v.add(field.Forbidden(path.Child("except"), "requires cidr"))
	}
	for i, s := range p.Except {
		ep := path.Child("except").Index(i)
		e, err := parseNetwork(s)
		switch {
		case err != nil:
			v.add(field.Invalid(ep, s, err.Error()))
		case !block.IsValid():
		case e.Addr().Is4() != block.Addr().Is4():
			v.add(field.Invalid(ep, s, "must be of the same address family as cidr"))
		case e.Bits() < block.Bits() || !block.Contains(e.Addr()):
			v.add(field.Invalid(ep, s, fmt.Sprintf("must be inside cidr %s", block)))
		}
	}
}

// parseNetwork parses a network in CIDR notation with no host bits set.
func parseNetwork(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, errors.New("must be a network in CIDR notation, such as 10.0.0.0/8 or fd00::/8")
	}
	if p != p.Masked() {
		return netip.Prefix{}, fmt.Errorf("has host bits set: the network is %s", p.Masked())
	}
	return p, nil
}

// Principal is a parsed principal: a SPIFFE ID of a Kubernetes service
// account whose namespace and name may be Wildcard.
//
// +kubebuilder:object:generate=false
type Principal struct {
	TrustDomain    spiffeid.TrustDomain
	Namespace      string
	ServiceAccount string
}

// Matches reports whether a workload of trust domain td running as service
// account sa in namespace ns is the principal.
func (p Principal) Matches(td spiffeid.TrustDomain, ns, sa string) bool {
	return p.TrustDomain == td &&
		(p.Namespace == Wildcard || p.Namespace == ns) &&
		(p.ServiceAccount == Wildcard || p.ServiceAccount == sa)
}

// String returns the principal in its SPIFFE ID form.
func (p Principal) String() string {
	return "spiffe://" + p.TrustDomain.Name() + "/ns/" + p.Namespace + "/sa/" + p.ServiceAccount
}

// ParsePrincipal parses spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>,
// where the namespace and the service account may be Wildcard.
func ParsePrincipal(s string) (Principal, error) {
	rest, ok := strings.CutPrefix(s, "spiffe://")
	if !ok {
		return Principal{}, errors.New(`must be a SPIFFE ID starting with "spiffe://"`)
	}
	name, path, _ := strings.Cut(rest, "/")
	td, err := spiffeid.TrustDomainFromString(name)
	if err != nil {
		return Principal{}, fmt.Errorf("parse trust domain: %w", err)
	}
	seg := strings.Split(path, "/")
	if len(seg) != 4 || seg[0] != "ns" || seg[2] != "sa" {
		return Principal{}, errors.New("path must be /ns/<namespace>/sa/<service-account>")
	}
	if seg[1] != Wildcard {
		if msgs := validation.IsDNS1123Label(seg[1]); len(msgs) > 0 {
			return Principal{}, fmt.Errorf("namespace must be %q or a namespace name: %s", Wildcard, msgs[0])
		}
	}
	if seg[3] != Wildcard {
		if msgs := validation.IsDNS1123Subdomain(seg[3]); len(msgs) > 0 {
			return Principal{}, fmt.Errorf("service account must be %q or a service account name: %s", Wildcard, msgs[0])
		}
	}
	return Principal{TrustDomain: td, Namespace: seg[1], ServiceAccount: seg[3]}, nil
}
