package v1alpha1

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var methodRE = regexp.MustCompile(`^[A-Z][-A-Z]*$`)

func (v *validator) http(h *HTTPRule, p *field.Path, providers map[string]bool) {
	for i, m := range h.Methods {
		if !methodRE.MatchString(m) {
			v.add(field.Invalid(p.Child("methods").Index(i), m, "must be an upper-case HTTP method such as GET"))
		}
	}
	for i := range h.Paths {
		v.pathMatch(&h.Paths[i], p.Child("paths").Index(i))
	}
	for i, host := range h.Hosts {
		if err := checkHost(host); err != nil {
			v.add(field.Invalid(p.Child("hosts").Index(i), host, err.Error()))
		}
	}
	for i, hm := range h.Headers {
		hp := p.Child("headers").Index(i)
		if hm.Name == "" {
			v.add(field.Required(hp.Child("name"), ""))
		} else {
			v.invalidMessages(hp.Child("name"), hm.Name, validation.IsHTTPHeaderName(hm.Name))
		}
		if hm.Present != nil && !*hm.Present && hm.Value != "" {
			v.add(field.Forbidden(hp.Child("value"), "may not be combined with present: false"))
		}
	}
	if h.JWT != nil {
		v.jwtRequirement(h.JWT, p.Child("jwt"), providers)
	}
}

func (v *validator) pathMatch(m *PathMatch, p *field.Path) {
	var set []string
	for _, f := range []struct{ name, value string }{{"exact", m.Exact}, {"prefix", m.Prefix}, {"glob", m.Glob}} {
		if f.value == "" {
			continue
		}
		set = append(set, f.name)
		if err := checkPath(f.value, f.name == "glob"); err != nil {
			v.add(field.Invalid(p.Child(f.name), f.value, err.Error()))
		}
	}
	switch {
	case len(set) == 0:
		v.add(field.Required(p, "one of exact, prefix or glob"))
	case len(set) > 1:
		for _, f := range set[1:] {
			v.add(field.Forbidden(p.Child(f), "may not be combined with "+set[0]))
		}
	}
}

func checkPath(s string, glob bool) error {
	if !strings.HasPrefix(s, "/") {
		return errors.New(`must start with "/"`)
	}
	if strings.ContainsAny(s, "?#") {
		return errors.New("must not contain a query or a fragment")
	}
	if !glob {
		return nil
	}
	for seg := range strings.SplitSeq(s, "/") {
		if seg != Wildcard && strings.Contains(seg, Wildcard) {
			return fmt.Errorf("%q must be a whole path segment", Wildcard)
		}
	}
	return nil
}

// checkHost accepts a lower-case DNS name, optionally with a leading "*.",
// or an IP address.
func checkHost(s string) error {
	if net.ParseIP(s) != nil {
		return nil
	}
	var msgs []string
	if strings.HasPrefix(s, "*.") {
		msgs = validation.IsWildcardDNS1123Subdomain(s)
	} else {
		msgs = validation.IsDNS1123Subdomain(s)
	}
	if len(msgs) > 0 {
		return errors.New("must be an IP address or a lower-case DNS name without port, optionally starting with \"*.\": " + msgs[0])
	}
	return nil
}
