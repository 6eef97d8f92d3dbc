package policy

import (
	"errors"
	"testing"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want string // "" when valid
	}{
		{"valid",
			`{metadata: {name: p, namespace: x}, spec: {podSelector: {matchExpressions: [{key: pod, operator: In, values: [a]}]}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}, {podSelector: {}}], ports: [{port: 80, endPort: 81}, {port: http, protocol: SCTP}]}], policyTypes: [Ingress, Egress]}}`,
			""},
		{"bad selector operator",
			`{metadata: {name: p, namespace: x}, spec: {podSelector: {matchExpressions: [{key: pod, operator: Equals, values: [a]}]}}}`,
			`NetworkPolicy "x/p" is invalid: spec.podSelector.matchExpressions[0].operator: Invalid value: "Equals": not a valid selector operator`},
		{"In without values",
			`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, egress: [{to: [{namespaceSelector: {matchExpressions: [{key: ns, operator: In}]}}]}]}}`,
			"NetworkPolicy \"x/p\" is invalid: spec.egress[0].to[0].namespaceSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"},
		{"endPort below port",
			`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, ingress: [{ports: [{port: 80}, {port: 80, endPort: 79}]}]}}`,
			"NetworkPolicy \"x/p\" is invalid: spec.ingress[0].ports[1].endPort: Invalid value: 79: must be greater than or equal to `port`"},
		{"endPort with a named port",
			`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, ingress: [{ports: [{port: http, endPort: 81}]}]}}`,
			"NetworkPolicy \"x/p\" is invalid: spec.ingress[0].ports[0].endPort: Invalid value: 81: may not be specified when `port` is non-numeric"},
		{"endPort without port",
			`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, egress: [{ports: [{endPort: 81}]}]}}`,
			"NetworkPolicy \"x/p\" is invalid: spec.egress[0].ports[0].endPort: Invalid value: 81: may not be specified when `port` is not specified"},
		{"malformed CIDR",
			`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/33}}]}]}}`,
			`NetworkPolicy "x/p" is invalid: spec.ingress[0].from[0].ipBlock.cidr: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)`},
		{"CIDR with host bits",
			`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.1/8}}]}]}}`,
			`NetworkPolicy "x/p" is invalid: spec.ingress[0].from[0].ipBlock.cidr: Invalid value: "10.0.0.1/8": must not have bits set beyond the prefix length`},
		{"except outside cidr",
			`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16, 192.168.0.0/16]}}]}]}}`,
			"NetworkPolicy \"x/p\" is invalid: spec.ingress[0].from[0].ipBlock.except[1]: Invalid value: \"192.168.0.0/16\": must be a strict subset of `cidr`"},
		{"except equal to cidr",
			`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, ingress: [{from: [{ipBlock: {cidr: "2001:db8::/32", except: ["2001:db8::/32"]}}]}]}}`,
			"NetworkPolicy \"x/p\" is invalid: spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: \"2001:db8::/32\": must be a strict subset of `cidr`"},
		{"unknown protocol",
			`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, ingress: [{ports: [{protocol: ICMP}]}]}}`,
			`NetworkPolicy "x/p" is invalid: spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"`},
		{"port zero",
			`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, ingress: [{ports: [{port: 0}]}]}}`,
			`NetworkPolicy "x/p" is invalid: spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive`},
		{"endPort out of range",
			`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, ingress: [{ports: [{port: 1, endPort: 70000}]}]}}`,
			`NetworkPolicy "x/p" is invalid: spec.ingress[0].ports[0].endPort: Invalid value: 70000: must be between 1 and 65535, inclusive`},
		{"bad port name",
			`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, ingress: [{ports: [{port: http-}]}]}}`,
			`NetworkPolicy "x/p" is invalid: spec.ingress[0].ports[0].port: Invalid value: "http-": must not begin or end with a hyphen`},
		{"empty peer",
			`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, ingress: [{from: [{}]}]}}`,
			`NetworkPolicy "x/p" is invalid: spec.ingress[0].from[0]: Required value: must specify a peer`},
		{"ipBlock with a selector",
			`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, egress: [{to: [{podSelector: {}, ipBlock: {cidr: 10.0.0.0/8}}]}]}}`,
			`NetworkPolicy "x/p" is invalid: spec.egress[0].to[0]: Forbidden: may not specify both ipBlock and another peer`},
		{"unknown policy type",
			`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, policyTypes: [Ingress, Both]}}`,
			`NetworkPolicy "x/p" is invalid: spec.policyTypes[1]: Unsupported value: "Both": supported values: "Ingress", "Egress"`},
		{"no namespace",
			`{metadata: {name: p}, spec: {podSelector: {}}}`,
			`NetworkPolicy "/p" is invalid: metadata.namespace: Required value`},
		{"several errors",
			`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, ingress: [{ports: [{port: 80, endPort: 79}, {protocol: ICMP}]}]}}`,
			"NetworkPolicy \"x/p\" is invalid: [spec.ingress[0].ports[0].endPort: Invalid value: 79: must be greater than or equal to `port`, " +
				`spec.ingress[0].ports[1].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(policy(t, tt.doc))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate: no error, want %s", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("Validate:\n got %s\nwant %s", err, tt.want)
			}
			var verr *ValidationError
			if !errors.As(err, &verr) || len(verr.Errs) == 0 {
				t.Errorf("Validate error %T is not a *ValidationError with field errors", err)
			}
		})
	}
}
