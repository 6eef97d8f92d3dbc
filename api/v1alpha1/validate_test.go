package v1alpha1

import (
	"errors"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"
)

const testTrustDomain = "cluster.local"

// specPolicy returns a ZeroTrustPolicy ns/p with the spec written in YAML.
func specPolicy(t *testing.T, spec string) *ZeroTrustPolicy {
	t.Helper()
	p := &ZeroTrustPolicy{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"}}
	if err := yaml.UnmarshalStrict([]byte(spec), &p.Spec); err != nil {
		t.Fatalf("decode spec %s: %v", spec, err)
	}
	return p
}

// oneError asserts that err is an *InvalidError with exactly one field
// error, and returns that error's text.
func oneError(t *testing.T, err error) string {
	t.Helper()
	var inv *InvalidError
	if !errors.As(err, &inv) {
		t.Fatalf("error %v, want an *InvalidError", err)
	}
	if len(inv.Errs) != 1 {
		t.Fatalf("%d field errors, want 1:\n%v", len(inv.Errs), inv.Errs.ToAggregate())
	}
	return inv.Errs[0].Error()
}

const (
	testJWKS     = `'{"keys":[{"kty":"EC"}]}'`
	testProvider = `jwtProviders: [{name: idp, issuer: i, jwksUri: "https://idp/jwks"}]`
)

// invalidSpecs has one spec per validation message: want is a prefix of the
// one field error the spec produces. The fuzz test is seeded with them.
var invalidSpecs = []struct{ name, spec, want string }{
	// spec
	{"selector operator", `selector: {matchExpressions: [{key: app, operator: Bogus}]}`,
		`spec.selector.matchExpressions[0].operator: Invalid value: "Bogus": not a valid selector operator`},
	{"selector label", `selector: {matchLabels: {"a b": x}}`,
		`spec.selector.matchLabels: Invalid value: "a b": name part must consist of alphanumeric characters`},
	{"namespaceSelector on a namespaced policy", `namespaceSelector: {}`,
		`spec.namespaceSelector: Forbidden: allowed only in a ClusterZeroTrustPolicy`},
	{"authentication", `authentication: mTLS`,
		`spec.authentication: Unsupported value: "mTLS": supported values: "None", "MutualTLS"`},

	// rules
	{"action", `ingress: [{action: Drop}]`,
		`spec.ingress[0].action: Unsupported value: "Drop": supported values: "Allow", "Deny", "Audit"`},
	{"rule authentication", `egress: [{authentication: TLS}]`,
		`spec.egress[0].authentication: Unsupported value: "TLS": supported values: "None", "MutualTLS"`},
	{"to in ingress", `ingress: [{to: [{cidr: 10.0.0.0/8}]}]`,
		`spec.ingress[0].to: Forbidden: allowed only in egress rules`},
	{"from in egress", `egress: [{from: [{cidr: 10.0.0.0/8}]}]`,
		`spec.egress[0].from: Forbidden: allowed only in ingress rules`},
	{"rule name", `ingress: [{name: Web}]`,
		`spec.ingress[0].name: Invalid value: "Web": a lowercase RFC 1123 label must consist of`},
	{"rule name duplicate", `egress: [{name: a}, {name: b}, {name: a}]`,
		`spec.egress[2].name: Duplicate value: "a"`},

	// peers
	{"peer empty", `ingress: [{from: [{}]}]`,
		`spec.ingress[0].from[0]: Required value: one of podSelector/namespaceSelector, cidr or principals`},
	{"peer two kinds", `ingress: [{from: [{podSelector: {}, cidr: 10.0.0.0/8}]}]`,
		`spec.ingress[0].from[0].cidr: Forbidden: may not be combined with podSelector`},
	{"peer selector", `egress: [{to: [{namespaceSelector: {matchExpressions: [{key: k, operator: In}]}}]}]`,
		`spec.egress[0].to[0].namespaceSelector.matchExpressions[0].values: Required value: must be specified when`},
	{"cidr", `ingress: [{from: [{cidr: 10.0.0.0/33}]}]`,
		`spec.ingress[0].from[0].cidr: Invalid value: "10.0.0.0/33": must be a network in CIDR notation, such as 10.0.0.0/8 or fd00::/8`},
	{"cidr host bits", `ingress: [{from: [{cidr: 10.1.2.3/8}]}]`,
		`spec.ingress[0].from[0].cidr: Invalid value: "10.1.2.3/8": has host bits set: the network is 10.0.0.0/8`},
	{"except without cidr", `ingress: [{from: [{podSelector: {}, except: [10.0.0.0/8]}]}]`,
		`spec.ingress[0].from[0].except: Forbidden: requires cidr`},
	{"except parse", `ingress: [{from: [{cidr: 10.0.0.0/8, except: [10.1.0.0]}]}]`,
		`spec.ingress[0].from[0].except[0]: Invalid value: "10.1.0.0": must be a network in CIDR notation`},
	{"except family", `ingress: [{from: [{cidr: 10.0.0.0/8, except: ["fd00::/8"]}]}]`,
		`spec.ingress[0].from[0].except[0]: Invalid value: "fd00::/8": must be of the same address family as cidr`},
	{"except outside", `egress: [{to: [{cidr: "fd00::/8", except: ["fd00::/16", "fe00::/16"]}]}]`,
		`spec.egress[0].to[0].except[1]: Invalid value: "fe00::/16": must be inside cidr fd00::/8`},
	{"except wider", `ingress: [{from: [{cidr: 10.0.0.0/16, except: [10.0.0.0/8]}]}]`,
		`spec.ingress[0].from[0].except[0]: Invalid value: "10.0.0.0/8": must be inside cidr 10.0.0.0/16`},
	{"principal scheme", `ingress: [{from: [{principals: [cluster.local/ns/a/sa/b]}]}]`,
		`spec.ingress[0].from[0].principals[0]: Invalid value: "cluster.local/ns/a/sa/b": must be a SPIFFE ID starting with "spiffe://"`},
	{"principal trust domain", `ingress: [{from: [{principals: ["spiffe://Cluster.Local/ns/a/sa/b"]}]}]`,
		`spec.ingress[0].from[0].principals[0]: Invalid value: "spiffe://Cluster.Local/ns/a/sa/b": parse trust domain: trust domain characters are limited`},
	{"principal path", `ingress: [{from: [{principals: ["spiffe://cluster.local/ns/a"]}]}]`,
		`spec.ingress[0].from[0].principals[0]: Invalid value: "spiffe://cluster.local/ns/a": path must be /ns/<namespace>/sa/<service-account>`},
	{"principal namespace", `ingress: [{from: [{principals: ["spiffe://cluster.local/ns/a*/sa/b"]}]}]`,
		`spec.ingress[0].from[0].principals[0]: Invalid value: "spiffe://cluster.local/ns/a*/sa/b": namespace must be "*" or a namespace name`},
	{"principal service account", `ingress: [{from: [{principals: ["spiffe://cluster.local/ns/*/sa/B_"]}]}]`,
		`spec.ingress[0].from[0].principals[0]: Invalid value: "spiffe://cluster.local/ns/*/sa/B_": service account must be "*" or a service account name`},

	// ports
	{"protocol", `ingress: [{ports: [{protocol: ICMP}]}]`,
		`spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"`},
	{"port range", `ingress: [{ports: [{port: 70000}]}]`,
		`spec.ingress[0].ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive`},
	{"port negative", `ingress: [{ports: [{port: -1}]}]`,
		`spec.ingress[0].ports[0].port: Invalid value: -1: must be between 1 and 65535, inclusive`},
	{"endPort range", `ingress: [{ports: [{port: 1, endPort: 65536}]}]`,
		`spec.ingress[0].ports[0].endPort: Invalid value: 65536: must be between 1 and 65535, inclusive`},
	{"endPort without port", `ingress: [{ports: [{endPort: 80}]}]`,
		`spec.ingress[0].ports[0].port: Required value: endPort requires port`},
	{"endPort below port", `egress: [{ports: [{port: 443, endPort: 80}]}]`,
		`spec.egress[0].ports[0].endPort: Invalid value: 80: must not be below port (443)`},

	// http
	{"http in a deny rule", `ingress: [{action: Deny, ports: [{port: 80}], http: [{}]}]`,
		`spec.ingress[0].http: Forbidden: allowed only in rules with action Allow or Audit`},
	{"http without ports", `ingress: [{http: [{}]}]`,
		`spec.ingress[0].ports: Required value: http rules need TCP ports`},
	{"http on udp", `ingress: [{ports: [{port: 80}, {protocol: UDP, port: 80}], http: [{}]}]`,
		`spec.ingress[0].ports[1].protocol: Invalid value: "UDP": http rules need TCP ports`},
	{"method", `ingress: [{ports: [{port: 80}], http: [{methods: [get]}]}]`,
		`spec.ingress[0].http[0].methods[0]: Invalid value: "get": must be an upper-case HTTP method such as GET`},
	{"path none", `ingress: [{ports: [{port: 80}], http: [{paths: [{}]}]}]`,
		`spec.ingress[0].http[0].paths[0]: Required value: one of exact, prefix or glob`},
	{"path two", `ingress: [{ports: [{port: 80}], http: [{paths: [{exact: /a, prefix: /a}]}]}]`,
		`spec.ingress[0].http[0].paths[0].prefix: Forbidden: may not be combined with exact`},
	{"path relative", `ingress: [{ports: [{port: 80}], http: [{paths: [{prefix: api}]}]}]`,
		`spec.ingress[0].http[0].paths[0].prefix: Invalid value: "api": must start with "/"`},
	{"path query", `ingress: [{ports: [{port: 80}], http: [{paths: [{exact: "/a?b=c"}]}]}]`,
		`spec.ingress[0].http[0].paths[0].exact: Invalid value: "/a?b=c": must not contain a query or a fragment`},
	{"glob segment", `ingress: [{ports: [{port: 80}], http: [{paths: [{glob: "/api/v*/x"}]}]}]`,
		`spec.ingress[0].http[0].paths[0].glob: Invalid value: "/api/v*/x": "*" must be a whole path segment`},
	{"host", `ingress: [{ports: [{port: 80}], http: [{hosts: ["api.example.com:8080"]}]}]`,
		`spec.ingress[0].http[0].hosts[0]: Invalid value: "api.example.com:8080": must be an IP address or a lower-case DNS name without port`},
	{"header name", `ingress: [{ports: [{port: 80}], http: [{headers: [{name: "X Id"}]}]}]`,
		`spec.ingress[0].http[0].headers[0].name: Invalid value: "X Id": a valid HTTP header must consist of alphanumeric characters or '-'`},
	{"header name empty", `ingress: [{ports: [{port: 80}], http: [{headers: [{name: ""}]}]}]`,
		`spec.ingress[0].http[0].headers[0].name: Required value`},
	{"header absent with value", `ingress: [{ports: [{port: 80}], http: [{headers: [{name: X-A, value: v, present: false}]}]}]`,
		`spec.ingress[0].http[0].headers[0].value: Forbidden: may not be combined with present: false`},

	// jwt requirements
	{"jwt without providers", `ingress: [{ports: [{port: 80}], http: [{jwt: {}}]}]`,
		`spec.ingress[0].http[0].jwt: Forbidden: requires spec.jwtProviders`},
	{"jwt unknown provider", testProvider + "\n" + `ingress: [{ports: [{port: 80}], http: [{jwt: {providers: [idp, nope]}}]}]`,
		`spec.ingress[0].http[0].jwt.providers[1]: Not found: "nope"`},
	{"jwt scope", testProvider + "\n" + `ingress: [{ports: [{port: 80}], http: [{jwt: {requiredScopes: ["a b"]}}]}]`,
		`spec.ingress[0].http[0].jwt.requiredScopes[0]: Invalid value: "a b": must be one non-empty scope`},
	{"jwt claim", testProvider + "\n" + `ingress: [{ports: [{port: 80}], http: [{jwt: {requiredClaims: {"": x}}}]}]`,
		`spec.ingress[0].http[0].jwt.requiredClaims: Invalid value: "": claim names must not be empty`},

	// jwt providers
	{"provider name missing", `jwtProviders: [{issuer: i, jwksUri: "https://idp/jwks"}]`,
		`spec.jwtProviders[0].name: Required value`},
	{"provider name", `jwtProviders: [{name: IdP, issuer: i, jwksUri: "https://idp/jwks"}]`,
		`spec.jwtProviders[0].name: Invalid value: "IdP": a lowercase RFC 1123 label`},
	{"provider name duplicate", `jwtProviders: [{name: a, issuer: i, jwksFile: /k}, {name: a, issuer: i, jwksFile: /k}]`,
		`spec.jwtProviders[1].name: Duplicate value: "a"`},
	{"issuer", `jwtProviders: [{name: a, jwksFile: /k}]`,
		`spec.jwtProviders[0].issuer: Required value`},
	{"audience", `jwtProviders: [{name: a, issuer: i, jwksFile: /k, audiences: [""]}]`,
		`spec.jwtProviders[0].audiences[0]: Invalid value: "": must not be empty`},
	{"no key source", `jwtProviders: [{name: a, issuer: i}]`,
		`spec.jwtProviders[0]: Required value: one of jwks, jwksFile or jwksUri`},
	{"two key sources", `jwtProviders: [{name: a, issuer: i, jwks: ` + testJWKS + `, jwksUri: "https://idp/jwks"}]`,
		`spec.jwtProviders[0].jwksUri: Forbidden: may not be combined with jwks`},
	{"jwksUri http", `jwtProviders: [{name: a, issuer: i, jwksUri: "http://idp/jwks"}]`,
		`spec.jwtProviders[0].jwksUri: Invalid value: "http://idp/jwks": must be an https URL`},
	{"jwksFile relative", `jwtProviders: [{name: a, issuer: i, jwksFile: keys.json}]`,
		`spec.jwtProviders[0].jwksFile: Invalid value: "keys.json": must be an absolute path`},
	{"jwks not an object", `jwtProviders: [{name: a, issuer: i, jwks: "[1]"}]`,
		`spec.jwtProviders[0].jwks: Invalid value: "<inline JWKS>": must be a JSON Web Key Set: a JSON object with "keys"`},
	{"jwks without keys", `jwtProviders: [{name: a, issuer: i, jwks: "{}"}]`,
		`spec.jwtProviders[0].jwks: Invalid value: "<inline JWKS>": must be a JSON Web Key Set: "keys" is missing`},
	{"jwks keys not objects", `jwtProviders: [{name: a, issuer: i, jwks: '{"keys": "k"}'}]`,
		`spec.jwtProviders[0].jwks: Invalid value: "<inline JWKS>": must be a JSON Web Key Set: "keys" must be an array of objects`},
	{"jwks key without kty", `jwtProviders: [{name: a, issuer: i, jwks: '{"keys": [{"kty": "EC"}, {"kid": "k"}]}'}]`,
		`spec.jwtProviders[0].jwks: Invalid value: "<inline JWKS>": must be a JSON Web Key Set: key 1 has no "kty"`},
	{"clock skew", `jwtProviders: [{name: a, issuer: i, jwksFile: /k, clockSkewSeconds: -1}]`,
		`spec.jwtProviders[0].clockSkewSeconds: Invalid value: -1: must not be negative`},
	{"max token bytes", `jwtProviders: [{name: a, issuer: i, jwksFile: /k, maxTokenBytes: 0}]`,
		`spec.jwtProviders[0].maxTokenBytes: Invalid value: 0: must be positive`},
	{"token header", `jwtProviders: [{name: a, issuer: i, jwksFile: /k, fromHeaders: [{name: "X:Token"}]}]`,
		`spec.jwtProviders[0].fromHeaders[0].name: Invalid value: "X:Token": a valid HTTP header must consist of`},
	{"token header empty", `jwtProviders: [{name: a, issuer: i, jwksFile: /k, fromHeaders: [{name: ""}]}]`,
		`spec.jwtProviders[0].fromHeaders[0].name: Required value`},
}

func TestValidateSpec(t *testing.T) {
	for _, tc := range invalidSpecs {
		t.Run(tc.name, func(t *testing.T) {
			got := oneError(t, specPolicy(t, tc.spec).Validate(testTrustDomain))
			if !strings.HasPrefix(got, tc.want) {
				t.Errorf("error\n  %s\nwant it to start with\n  %s", got, tc.want)
			}
		})
	}
}

func TestValidateMetadata(t *testing.T) {
	for _, tc := range []struct {
		name string
		meta metav1.ObjectMeta
		want string
	}{
		{"name missing", metav1.ObjectMeta{Namespace: "ns"}, `metadata.name: Required value`},
		{"name", metav1.ObjectMeta{Name: "P_1"}, `metadata.name: Invalid value: "P_1": a lowercase RFC 1123 subdomain`},
		{"namespace", metav1.ObjectMeta{Name: "p", Namespace: "a.b"}, `metadata.namespace: Invalid value: "a.b": must not contain dots`},
		{"labels", metav1.ObjectMeta{Name: "p", Labels: map[string]string{"a": "-"}}, `metadata.labels: Invalid value: "-": a valid label must be`},
		{"annotations", metav1.ObjectMeta{Name: "p", Annotations: map[string]string{"a b": ""}}, `metadata.annotations: Invalid value: "a b": name part must`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := oneError(t, (&ZeroTrustPolicy{ObjectMeta: tc.meta}).Validate(testTrustDomain))
			if !strings.HasPrefix(got, tc.want) {
				t.Errorf("error\n  %s\nwant it to start with\n  %s", got, tc.want)
			}
		})
	}
}

func TestValidateCluster(t *testing.T) {
	p := &ClusterZeroTrustPolicy{ObjectMeta: metav1.ObjectMeta{Name: "c"}}
	p.Spec.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "prod"}}
	if err := p.Validate(testTrustDomain); err != nil {
		t.Fatalf("namespaceSelector in a cluster policy: %v", err)
	}

	p.Namespace = "ns"
	if got, want := oneError(t, p.Validate(testTrustDomain)), `metadata.namespace: Forbidden: not allowed on a cluster-scoped object`; got != want {
		t.Errorf("error %s, want %s", got, want)
	}

	p.Namespace = ""
	p.Spec.NamespaceSelector.MatchLabels["tier"] = "-"
	err := p.Validate(testTrustDomain)
	want := `ClusterZeroTrustPolicy "c" is invalid: spec.namespaceSelector.matchLabels: Invalid value: "-": a valid label must be`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %v, want it to start with %s", err, want)
	}
}

func TestInvalidError(t *testing.T) {
	p := specPolicy(t, `ingress: [{from: [{cidr: 10.0.0.0/33}], ports: [{protocol: ICMP}]}]`)
	err := p.Validate(testTrustDomain)
	want := `ZeroTrustPolicy "ns/p" is invalid: [spec.ingress[0].from[0].cidr: Invalid value: "10.0.0.0/33": ` +
		`must be a network in CIDR notation, such as 10.0.0.0/8 or fd00::/8, ` +
		`spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"]`
	if err == nil || err.Error() != want {
		t.Fatalf("error\n  %v\nwant\n  %s", err, want)
	}
	var fe *field.Error
	if !errors.As(err, &fe) || fe.Field != "spec.ingress[0].from[0].cidr" || fe.Type != field.ErrorTypeInvalid {
		t.Errorf("errors.As found %v, want the cidr's field error", fe)
	}

	p.Spec.Ingress[0].Ports = nil
	want = `ZeroTrustPolicy "ns/p" is invalid: spec.ingress[0].from[0].cidr: Invalid value: "10.0.0.0/33": ` +
		`must be a network in CIDR notation, such as 10.0.0.0/8 or fd00::/8`
	if err := p.Validate(testTrustDomain); err == nil || err.Error() != want {
		t.Errorf("error\n  %v\nwant\n  %s", err, want)
	}
}

// validSpecs are valid corner cases; the fuzz test is seeded with them.
var validSpecs = []string{
	`{}`,
	`ingress: [{}]`,
	`egress: [{action: Audit}, {name: a}, {name: b, to: [{podSelector: {}}]}]`,
	`ingress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: x}}}]}]`,
	`ingress: [{from: [{principals: ["spiffe://cluster.local/ns/*/sa/*", "spiffe://cluster.local/ns/a/sa/b.c"]}]}]`,
	`ingress: [{from: [{cidr: 0.0.0.0/0, except: [10.0.0.0/8, 10.0.0.0/8]}, {cidr: "::/0", except: ["fd00::/8"]}]}]`,
	`egress: [{ports: [{}, {protocol: UDP}, {port: 1, endPort: 65535}, {protocol: SCTP, port: 9, endPort: 9}]}]`,
	`ingress: [{action: Audit, ports: [{port: 80, protocol: TCP}], http: [{hosts: ["*.example.com", "10.0.0.1", "::1"], paths: [{glob: /a/*/b}, {glob: /}]}]}]`,
	`ingress: [{ports: [{port: 80}], http: [{headers: [{name: X-A}, {name: X-B, present: false}, {name: X-C, value: v, present: true}]}]}]`,
}

func TestValidateAccepts(t *testing.T) {
	for _, spec := range validSpecs {
		if err := specPolicy(t, spec).Validate(testTrustDomain); err != nil {
			t.Errorf("spec %s: %v", spec, err)
		}
	}
}

func TestWarnings(t *testing.T) {
	p := specPolicy(t, `ingress: [{from: [{principals: ["spiffe://cluster.local/ns/a/sa/b", "spiffe://other.org/ns/a/sa/b"]}]}]`)
	if err := p.Validate(testTrustDomain); err != nil {
		t.Fatalf("a principal of another trust domain is valid: %v", err)
	}
	want := []string{`spec.ingress[0].from[0].principals[1]: trust domain "other.org" is not the agent's ("cluster.local"): the principal matches nothing`}
	if got := p.Warnings(testTrustDomain); !slices.Equal(got, want) {
		t.Errorf("warnings %q, want %q", got, want)
	}
	if got := p.Warnings(""); len(got) != 0 {
		t.Errorf("warnings %q without a trust domain, want none", got)
	}
	c := &ClusterZeroTrustPolicy{ObjectMeta: metav1.ObjectMeta{Name: "c"}, Spec: p.Spec}
	if got := c.Warnings(testTrustDomain); !slices.Equal(got, want) {
		t.Errorf("cluster policy warnings %q, want %q", got, want)
	}
}
