package v1alpha1

import (
	"fmt"
	"strings"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// InvalidError is a policy that failed validation. Its message reads like
// kubectl's: `ZeroTrustPolicy "ns/name" is invalid: spec.ingress[0].from[1].cidr: Invalid value: ...`.
// Errs holds every invalid field; errors.As finds each *field.Error.
//
// +kubebuilder:object:generate=false
type InvalidError struct {
	Kind string
	// Name is "namespace/name" for a ZeroTrustPolicy, "name" otherwise.
	Name string
	Errs field.ErrorList
}

func (e *InvalidError) Error() string {
	return fmt.Sprintf("%s %q is invalid: %v", e.Kind, e.Name, e.Errs.ToAggregate())
}

// Unwrap returns the field errors.
func (e *InvalidError) Unwrap() []error {
	errs := make([]error, len(e.Errs))
	for i, err := range e.Errs {
		errs[i] = err
	}
	return errs
}

// Validate checks the policy completely and returns nil or an
// *InvalidError naming every invalid field. trustDomain is the agent's
// SPIFFE trust domain: a principal in another trust domain is not an error
// (it matches nothing); Warnings reports it.
func (p *ZeroTrustPolicy) Validate(trustDomain string) error {
	v := p.check(trustDomain)
	return v.err("ZeroTrustPolicy", policyName(p.Namespace, p.Name))
}

// Warnings returns what is valid but probably not meant, such as principals
// outside trustDomain, as "field.path: message".
func (p *ZeroTrustPolicy) Warnings(trustDomain string) []string {
	return p.check(trustDomain).warnings
}

func (p *ZeroTrustPolicy) check(trustDomain string) *validator {
	v := &validator{trustDomain: trustDomain}
	v.meta(&p.ObjectMeta, true)
	spec := field.NewPath("spec")
	if p.Spec.NamespaceSelector != nil {
		v.add(field.Forbidden(spec.Child("namespaceSelector"), "allowed only in a ClusterZeroTrustPolicy"))
	}
	v.spec(&p.Spec, spec)
	return v
}

// Validate checks the policy as ZeroTrustPolicy.Validate does.
func (p *ClusterZeroTrustPolicy) Validate(trustDomain string) error {
	v := p.check(trustDomain)
	return v.err("ClusterZeroTrustPolicy", p.Name)
}

// Warnings returns what is valid but probably not meant.
func (p *ClusterZeroTrustPolicy) Warnings(trustDomain string) []string {
	return p.check(trustDomain).warnings
}

func (p *ClusterZeroTrustPolicy) check(trustDomain string) *validator {
	v := &validator{trustDomain: trustDomain}
	v.meta(&p.ObjectMeta, false)
	spec := field.NewPath("spec")
	if p.Spec.NamespaceSelector != nil {
		v.selector(p.Spec.NamespaceSelector, spec.Child("namespaceSelector"))
	}
	v.spec(&p.Spec, spec)
	return v
}

func policyName(namespace, name string) string {
	if namespace == "" {
		return name
	}
	return namespace + "/" + name
}

// validator walks a policy collecting errors and warnings.
type validator struct {
	trustDomain string
	errs        field.ErrorList
	warnings    []string
}

func (v *validator) add(errs ...*field.Error) { v.errs = append(v.errs, errs...) }

func (v *validator) warn(path *field.Path, format string, args ...any) {
	v.warnings = append(v.warnings, path.String()+": "+fmt.Sprintf(format, args...))
}

func (v *validator) err(kind, name string) error {
	if len(v.errs) == 0 {
		return nil
	}
	return &InvalidError{Kind: kind, Name: name, Errs: v.errs}
}

// invalidMessages turns the messages of the util/validation Is* functions
// into one error.
func (v *validator) invalidMessages(path *field.Path, value string, msgs []string) {
	if len(msgs) > 0 {
		v.add(field.Invalid(path, value, strings.Join(msgs, "; ")))
	}
}

func (v *validator) meta(m interface {
	GetName() string
	GetNamespace() string
	GetLabels() map[string]string
	GetAnnotations() map[string]string
}, namespaced bool) {
	path := field.NewPath("metadata")
	if m.GetName() == "" {
		v.add(field.Required(path.Child("name"), ""))
	} else {
		v.invalidMessages(path.Child("name"), m.GetName(), validation.IsDNS1123Subdomain(m.GetName()))
	}
	switch ns := m.GetNamespace(); {
	case ns != "" && !namespaced:
		v.add(field.Forbidden(path.Child("namespace"), "not allowed on a cluster-scoped object"))
	case ns != "":
		v.invalidMessages(path.Child("namespace"), ns, validation.IsDNS1123Label(ns))
	}
	v.add(metav1validation.ValidateLabels(m.GetLabels(), path.Child("labels"))...)
	v.add(apivalidation.ValidateAnnotations(m.GetAnnotations(), path.Child("annotations"))...)
}

func (v *validator) spec(s *ZeroTrustPolicySpec, path *field.Path) {
	v.selector(&s.Selector, path.Child("selector"))
	v.authentication(s.Authentication, path.Child("authentication"))
	providers := v.jwtProviders(s.JWTProviders, path.Child("jwtProviders"))
	v.rules(s.Ingress, path.Child("ingress"), true, providers)
	v.rules(s.Egress, path.Child("egress"), false, providers)
}

func (v *validator) authentication(a AuthenticationMode, path *field.Path) {
	switch a {
	case "", AuthenticationNone, AuthenticationMutualTLS:
	default:
		v.add(field.NotSupported(path, a, []AuthenticationMode{AuthenticationNone, AuthenticationMutualTLS}))
	}
}
