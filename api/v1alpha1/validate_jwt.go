package v1alpha1

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func (v *validator) jwtRequirement(j *JWTRequirement, p *field.Path, providers map[string]bool) {
	if len(providers) == 0 {
		v.add(field.Forbidden(p, "requires spec.jwtProviders"))
	}
	for i, name := range j.Providers {
		if !providers[name] && len(providers) > 0 {
			v.add(field.NotFound(p.Child("providers").Index(i), name))
		}
	}
	for i, s := range j.RequiredScopes {
		if s == "" || strings.ContainsAny(s, " \t\n\f\r") {
			v.add(field.Invalid(p.Child("requiredScopes").Index(i), s, "must be one non-empty scope"))
		}
	}
	for k := range j.RequiredClaims {
		if k == "" {
			v.add(field.Invalid(p.Child("requiredClaims"), k, "claim names must not be empty"))
		}
	}
}

// jwtProviders checks the providers and returns the set of their names.
func (v *validator) jwtProviders(ps []JWTProvider, p *field.Path) map[string]bool {
	names := map[string]bool{}
	for i := range ps {
		jp, pp := &ps[i], p.Index(i)
		switch {
		case jp.Name == "":
			v.add(field.Required(pp.Child("name"), ""))
		case names[jp.Name]:
			v.add(field.Duplicate(pp.Child("name"), jp.Name))
		default:
			v.invalidMessages(pp.Child("name"), jp.Name, validation.IsDNS1123Label(jp.Name))
		}
		names[jp.Name] = true
		v.jwtProvider(jp, pp)
	}
	return names
}

func (v *validator) jwtProvider(jp *JWTProvider, p *field.Path) {
	if jp.Issuer == "" {
		v.add(field.Required(p.Child("issuer"), ""))
	}
	for i, a := range jp.Audiences {
		if a == "" {
			v.add(field.Invalid(p.Child("audiences").Index(i), a, "must not be empty"))
		}
	}
	var set []string
	if jp.JWKS != "" {
		set = append(set, "jwks")
		if err := checkJWKS(jp.JWKS); err != nil {
			v.add(field.Invalid(p.Child("jwks"), "<inline JWKS>", err.Error()))
		}
	}
	if jp.JWKSFile != "" {
		set = append(set, "jwksFile")
		if !path.IsAbs(jp.JWKSFile) {
			v.add(field.Invalid(p.Child("jwksFile"), jp.JWKSFile, "must be an absolute path"))
		}
	}
	if jp.JWKSURI != "" {
		set = append(set, "jwksUri")
		if u, err := url.Parse(jp.JWKSURI); err != nil || u.Scheme != "https" || u.Host == "" {
			v.add(field.Invalid(p.Child("jwksUri"), jp.JWKSURI, "must be an https URL"))
		}
	}
	switch {
	case len(set) == 0:
		v.add(field.Required(p, "one of jwks, jwksFile or jwksUri"))
	case len(set) > 1:
		for _, f := range set[1:] {
			v.add(field.Forbidden(p.Child(f), "may not be combined with "+set[0]))
		}
	}
	if jp.ClockSkewSeconds != nil && *jp.ClockSkewSeconds < 0 {
		v.add(field.Invalid(p.Child("clockSkewSeconds"), *jp.ClockSkewSeconds, "must not be negative"))
	}
	if jp.MaxTokenBytes != nil && *jp.MaxTokenBytes <= 0 {
		v.add(field.Invalid(p.Child("maxTokenBytes"), *jp.MaxTokenBytes, "must be positive"))
	}
	for i, h := range jp.FromHeaders {
		hp := p.Child("fromHeaders").Index(i).Child("name")
		if h.Name == "" {
			v.add(field.Required(hp, ""))
		} else {
			v.invalidMessages(hp, h.Name, validation.IsHTTPHeaderName(h.Name))
		}
	}
	v.forwardClaims(jp.ForwardClaims, p.Child("forwardClaims"))
}

// checkJWKS checks that s is a JSON Web Key Set (RFC 7517 section 5): an
// object whose "keys" is an array of objects, each with a "kty".
func checkJWKS(s string) error {
	var set map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &set); err != nil || set == nil {
		return errors.New("must be a JSON Web Key Set: a JSON object with \"keys\"")
	}
	raw, ok := set["keys"]
	if !ok {
		return errors.New(`must be a JSON Web Key Set: "keys" is missing`)
	}
	var keys []map[string]any
	if err := json.Unmarshal(raw, &keys); err != nil || keys == nil {
		return errors.New(`must be a JSON Web Key Set: "keys" must be an array of objects`)
	}
	for i, k := range keys {
		if kty, _ := k["kty"].(string); kty == "" {
			return fmt.Errorf("must be a JSON Web Key Set: key %d has no \"kty\"", i)
		}
	}
	return nil
}
