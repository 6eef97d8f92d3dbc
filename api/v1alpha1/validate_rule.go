package v1alpha1

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func (v *validator) rules(rules []Rule, path *field.Path, ingress bool, providers map[string]bool) {
	names := map[string]bool{}
	for i := range rules {
		r, p := &rules[i], path.Index(i)
		if r.Name != "" {
			v.invalidMessages(p.Child("name"), r.Name, validation.IsDNS1123Label(r.Name))
			if names[r.Name] {
				v.add(field.Duplicate(p.Child("name"), r.Name))
			}
			names[r.Name] = true
		}
		v.rule(r, p, ingress, providers)
	}
}

func (v *validator) rule(r *Rule, path *field.Path, ingress bool, providers map[string]bool) {
	switch r.Action {
	case "", ActionAllow, ActionDeny, ActionAudit:
	default:
		v.add(field.NotSupported(path.Child("action"), r.Action, []Action{ActionAllow, ActionDeny, ActionAudit}))
	}
	if ingress && len(r.To) > 0 {
		v.add(field.Forbidden(path.Child("to"), "allowed only in egress rules"))
	}
	if !ingress && len(r.From) > 0 {
		v.add(field.Forbidden(path.Child("from"), "allowed only in ingress rules"))
	}
	for i := range r.From {
		v.peer(&r.From[i], path.Child("from").Index(i))
	}
	for i := range r.To {
		v.peer(&r.To[i], path.Child("to").Index(i))
	}
	for i := range r.Ports {
		v.port(&r.Ports[i], path.Child("ports").Index(i))
	}
	v.authentication(r.Authentication, path.Child("authentication"))
	if len(r.HTTP) == 0 {
		return
	}
	if r.Action == ActionDeny {
		v.add(field.Forbidden(path.Child("http"), "allowed only in rules with action Allow or Audit"))
	}
	if len(r.Ports) == 0 {
		v.add(field.Required(path.Child("ports"), "http rules need TCP ports"))
	}
	for i, p := range r.Ports {
		if p.Protocol != "" && p.Protocol != corev1.ProtocolTCP {
			v.add(field.Invalid(path.Child("ports").Index(i).Child("protocol"), p.Protocol, "http rules need TCP ports"))
		}
	}
	for i := range r.HTTP {
		v.http(&r.HTTP[i], path.Child("http").Index(i), providers)
	}
}

func (v *validator) port(p *PortRange, path *field.Path) {
	switch p.Protocol {
	case "", corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP:
	default:
		v.add(field.NotSupported(path.Child("protocol"), p.Protocol,
			[]corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP}))
	}
	if p.Port != 0 {
		v.portNumber(p.Port, path.Child("port"))
	}
	if p.EndPort == 0 {
		return
	}
	v.portNumber(p.EndPort, path.Child("endPort"))
	switch {
	case p.Port == 0:
		v.add(field.Required(path.Child("port"), "endPort requires port"))
	case p.EndPort < p.Port:
		v.add(field.Invalid(path.Child("endPort"), p.EndPort, fmt.Sprintf("must not be below port (%d)", p.Port)))
	}
}

func (v *validator) portNumber(port int32, path *field.Path) {
	if port < 1 || port > 65535 {
		v.add(field.Invalid(path, port, validation.InclusiveRangeError(1, 65535)))
	}
}
