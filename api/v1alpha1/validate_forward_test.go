package v1alpha1

import (
	"strings"
	"testing"
)

func TestValidateForwardClaims(t *testing.T) {
	const base = `
selector: {}
jwtProviders:
- name: idp
  issuer: https://idp
  jwksUri: https://idp/jwks
  removeToken: true
  forwardClaims: %s
`
	if err := specPolicy(t, strings.Replace(base, "%s", `[{claim: sub, header: X-User}, {claim: groups, header: x-groups}]`, 1)).Validate(testTrustDomain); err != nil {
		t.Fatalf("valid forwardClaims refused: %v", err)
	}
	for fc, want := range map[string]string{
		`[{claim: sub, header: X-User}, {claim: iss, header: x-user}]`: "spec.jwtProviders[0].forwardClaims[1].header: Duplicate value",
		`[{claim: sub, header: "X User"}]`:                             "spec.jwtProviders[0].forwardClaims[0].header: Invalid value",
		`[{claim: sub, header: content-length}]`:                       "must not be a header that frames the request",
		`[{claim: "", header: X-User}]`:                                "spec.jwtProviders[0].forwardClaims[0].claim: Required value",
		`[{claim: sub, header: ""}]`:                                   "spec.jwtProviders[0].forwardClaims[0].header: Required value",
	} {
		got := oneError(t, specPolicy(t, strings.Replace(base, "%s", fc, 1)).Validate(testTrustDomain))
		if !strings.Contains(got, want) {
			t.Errorf("%s: %s, want %q", fc, got, want)
		}
	}
}
