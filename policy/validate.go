package policy

import (
	"fmt"
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ValidationError is a NetworkPolicy that the API server would reject, with
// every reason, each naming its field path.
type ValidationError struct {
	Namespace string
	Name      string
	Errs      field.ErrorList
}

// Error reads like kubectl's: NetworkPolicy "ns/name" is invalid: path: reason.
func (e *ValidationError) Error() string {
	return fmt.Sprintf("NetworkPolicy %q is invalid: %v", e.Namespace+"/"+e.Name, e.Errs.ToAggregate())
}

// Validate checks np as the API server's create validation does, returning
// a *ValidationError. Policies from manifest directories never met an API
// server, and Compile must not guess at what one would have refused.
func Validate(np *networkingv1.NetworkPolicy) error {
	errs := apivalidation.ValidateObjectMeta(&np.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	errs = append(errs, validateSpec(&np.Spec, field.NewPath("spec"))...)
	if len(errs) == 0 {
		return nil
	}
	return &ValidationError{Namespace: np.Namespace, Name: np.Name, Errs: errs}
}

func validateSpec(spec *networkingv1.NetworkPolicySpec, path *field.Path) field.ErrorList {
	errs := validateSelector(&spec.PodSelector, path.Child("podSelector"))
	for i, r := range spec.Ingress {
		errs = append(errs, validateRule(r.Ports, r.From, path.Child("ingress").Index(i), "from")...)
	}
	for i, r := range spec.Egress {
		errs = append(errs, validateRule(r.Ports, r.To, path.Child("egress").Index(i), "to")...)
	}
	typesPath := path.Child("policyTypes")
	if len(spec.PolicyTypes) > 2 {
		return append(errs, field.Invalid(typesPath, spec.PolicyTypes, "may not specify more than two policyTypes"))
	}
	for i, t := range spec.PolicyTypes {
		if t != networkingv1.PolicyTypeIngress && t != networkingv1.PolicyTypeEgress {
			errs = append(errs, field.NotSupported(typesPath.Index(i), t, []string{string(networkingv1.PolicyTypeIngress), string(networkingv1.PolicyTypeEgress)}))
		}
	}
	return errs
}

func validateSelector(s *metav1.LabelSelector, path *field.Path) field.ErrorList {
	return metav1validation.ValidateLabelSelector(s, metav1validation.LabelSelectorValidationOptions{}, path)
}

func validateRule(ports []networkingv1.NetworkPolicyPort, peers []networkingv1.NetworkPolicyPeer, path *field.Path, peersField string) field.ErrorList {
	var errs field.ErrorList
	for i := range ports {
		errs = append(errs, validatePort(&ports[i], path.Child("ports").Index(i))...)
	}
	for i := range peers {
		errs = append(errs, validatePeer(&peers[i], path.Child(peersField).Index(i))...)
	}
	return errs
}

func validatePort(p *networkingv1.NetworkPolicyPort, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if p.Protocol != nil {
		if _, ok := protocols[*p.Protocol]; !ok {
			errs = append(errs, field.NotSupported(path.Child("protocol"), *p.Protocol, []string{string(corev1.ProtocolTCP), string(corev1.ProtocolUDP), string(corev1.ProtocolSCTP)}))
		}
	}
	endPath := path.Child("endPort")
	switch {
	case p.Port == nil:
		if p.EndPort != nil {
			errs = append(errs, field.Invalid(endPath, *p.EndPort, "may not be specified when `port` is not specified"))
		}
	case p.Port.Type == intstr.String:
		for _, msg := range validation.IsValidPortName(p.Port.StrVal) {
			errs = append(errs, field.Invalid(path.Child("port"), p.Port.StrVal, msg))
		}
		if p.EndPort != nil {
			errs = append(errs, field.Invalid(endPath, *p.EndPort, "may not be specified when `port` is non-numeric"))
		}
	default:
		for _, msg := range validation.IsValidPortNum(int(p.Port.IntVal)) {
			errs = append(errs, field.Invalid(path.Child("port"), p.Port.IntVal, msg))
		}
		if p.EndPort != nil {
			if *p.EndPort < p.Port.IntVal {
				errs = append(errs, field.Invalid(endPath, *p.EndPort, "must be greater than or equal to `port`"))
			}
			for _, msg := range validation.IsValidPortNum(int(*p.EndPort)) {
				errs = append(errs, field.Invalid(endPath, *p.EndPort, msg))
			}
		}
	}
	return errs
}

func validatePeer(p *networkingv1.NetworkPolicyPeer, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	n := 0
	if p.PodSelector != nil {
		n++
		errs = append(errs, validateSelector(p.PodSelector, path.Child("podSelector"))...)
	}
	if p.NamespaceSelector != nil {
		n++
		errs = append(errs, validateSelector(p.NamespaceSelector, path.Child("namespaceSelector"))...)
	}
	if p.IPBlock != nil {
		n++
		errs = append(errs, validateIPBlock(p.IPBlock, path.Child("ipBlock"))...)
	}
	switch {
	case n == 0:
		errs = append(errs, field.Required(path, "must specify a peer"))
	case n > 1 && p.IPBlock != nil:
		errs = append(errs, field.Forbidden(path, "may not specify both ipBlock and another peer"))
	}
	return errs
}

// validateIPBlock requires a strictly valid cidr and every except a strict
// subset of it, so that a future CIDR identity never meets a range the API
// server would not hold.
func validateIPBlock(b *networkingv1.IPBlock, path *field.Path) field.ErrorList {
	cidrPath := path.Child("cidr")
	if b.CIDR == "" {
		return field.ErrorList{field.Required(cidrPath, "")}
	}
	errs := validation.IsValidCIDRForLegacyField(cidrPath, b.CIDR, true, nil)
	cidr, err := netip.ParsePrefix(b.CIDR)
	if err != nil {
		return errs
	}
	cidr = cidr.Masked()
	for i, s := range b.Except {
		exceptPath := path.Child("except").Index(i)
		bad := validation.IsValidCIDRForLegacyField(exceptPath, s, true, nil)
		errs = append(errs, bad...)
		except, err := netip.ParsePrefix(s)
		if err != nil {
			continue
		}
		if !cidr.Contains(except.Addr()) || except.Bits() <= cidr.Bits() {
			errs = append(errs, field.Invalid(exceptPath, s, "must be a strict subset of `cidr`"))
		}
	}
	return errs
}
