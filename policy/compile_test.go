package policy

import (
	"errors"
	"slices"
	"testing"

	"github.com/zeta-net/zeta/policy/secid"
)

var (
	xPods   = []string{"x/a", "x/b", "x/c"}
	yPods   = []string{"y/a", "y/b", "y/c"}
	zPods   = []string{"z/a", "z/b", "z/c"}
	allPods = podNames
)

func join(lists ...[]string) []string { return slices.Concat(lists...) }

// TestCompileIngressPeers checks which peers reach x/a on TCP/80 under
// each kind of ingress peer.
func TestCompileIngressPeers(t *testing.T) {
	host := []string{"host"}
	tests := []struct {
		name     string
		policies []string
		want     []string
	}{
		{"no policy: not enforced", nil, join(allPods, []string{"world", "host"})},
		{"deny all ingress",
			[]string{`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, policyTypes: [Ingress]}}`},
			host},
		{"podSelector alone: policy namespace only",
			[]string{`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]}}`},
			[]string{"x/b", "host"}},
		{"namespaceSelector alone: every pod of the namespace",
			[]string{`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: "y"}}}]}]}}`},
			join(yPods, host)},
		{"both in one peer: AND",
			[]string{`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: "y"}}, podSelector: {matchLabels: {pod: b}}}]}]}}`},
			[]string{"y/b", "host"}},
		{"two peers: OR",
			[]string{`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: "y"}}}, {podSelector: {matchLabels: {pod: b}}}]}]}}`},
			[]string{"x/b", "y/a", "y/b", "y/c", "host"}},
		{"rule without from: every source",
			[]string{`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, ingress: [{}]}}`},
			join(allPods, []string{"world", "host"})},
		{"empty from list: every source",
			[]string{`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, ingress: [{from: []}]}}`},
			join(allPods, []string{"world", "host"})},
		{"empty podSelector peer: all pods of the policy namespace",
			[]string{`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, ingress: [{from: [{podSelector: {}}]}]}}`},
			join(xPods, host)},
		{"empty namespaceSelector peer: every pod, not the world",
			[]string{`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, ingress: [{from: [{namespaceSelector: {}}]}]}}`},
			join(allPods, host)},
		{"namespace by kubernetes.io/metadata.name",
			[]string{`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: z}}}]}]}}`},
			join(zPods, host)},
		{"matchExpressions In",
			[]string{`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, ingress: [{from: [{podSelector: {matchExpressions: [{key: pod, operator: In, values: [a, c]}]}}]}]}}`},
			[]string{"x/a", "x/c", "host"}},
		{"matchExpressions NotIn on namespaces",
			[]string{`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: ns, operator: NotIn, values: [x]}]}}]}]}}`},
			join(yPods, zPods, host)},
		{"matchExpressions Exists",
			[]string{`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, ingress: [{from: [{podSelector: {matchExpressions: [{key: tier, operator: Exists}]}}]}]}}`},
			[]string{"x/c", "host"}},
		{"matchExpressions DoesNotExist",
			[]string{`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, ingress: [{from: [{podSelector: {matchExpressions: [{key: tier, operator: DoesNotExist}]}}]}]}}`},
			[]string{"x/a", "x/b", "host"}},
		{"matchLabels and matchExpressions together: AND",
			[]string{`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {tier: db}, matchExpressions: [{key: pod, operator: In, values: [c]}]}}]}]}}`},
			[]string{"x/c", "y/c", "z/c", "host"}},
		{"ipBlock: every IPv4 address, pods' included, and no IPv6 one",
			[]string{`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0}}]}]}}`},
			[]string{"x/a(v4)", "x/b(v4)", "x/c(v4)", "y/a(v4)", "y/b(v4)", "y/c(v4)", "z/a(v4)", "z/b(v4)", "z/c(v4)", "0.0.0.0/0", "host"}},
		{"policy not selecting the pod",
			[]string{`{metadata: {name: p, namespace: x}, spec: {podSelector: {matchLabels: {pod: b}}, policyTypes: [Ingress]}}`},
			join(allPods, []string{"world", "host"})},
		{"policy of another namespace",
			[]string{`{metadata: {name: p, namespace: y}, spec: {podSelector: {}, policyTypes: [Ingress]}}`},
			join(allPods, []string{"world", "host"})},
		{"ingress rules of an egress-only policy are ignored",
			[]string{`{metadata: {name: p, namespace: x}, spec: {podSelector: {}, policyTypes: [Egress], ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]}}`},
			join(allPods, []string{"world", "host"})},
		{"policies are unioned",
			[]string{
				`{metadata: {name: p1, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]}}`,
				`{metadata: {name: p2, namespace: x}, spec: {podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: z}}, podSelector: {matchLabels: {pod: a}}}]}]}}`,
			},
			[]string{"x/b", "z/a", "host"}},
	}
	c := newCluster()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := c.world(t, c.input(policies(t, tt.policies...)...))
			if got := w.allowed(w.compile(t, "x/a"), Ingress, protoTCP, 80); !slices.Equal(got, tt.want) {
				t.Errorf("allowed = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCompilePolicyTypes(t *testing.T) {
	tests := []struct {
		name                    string
		spec                    string
		defaultDeny             bool
		wantIngress, wantEgress bool
	}{
		{"omitted, no rules: ingress", `{podSelector: {}}`, false, true, false},
		{"omitted, ingress rules: ingress", `{podSelector: {}, ingress: [{}]}`, false, true, false},
		{"omitted, egress rules: both", `{podSelector: {}, egress: [{}]}`, false, true, true},
		{"Egress only", `{podSelector: {}, policyTypes: [Egress]}`, false, false, true},
		{"Ingress only with egress rules", `{podSelector: {}, policyTypes: [Ingress], egress: [{}]}`, false, true, false},
		{"both", `{podSelector: {}, policyTypes: [Ingress, Egress]}`, false, true, true},
		{"not selected, default deny", `{podSelector: {matchLabels: {pod: b}}, policyTypes: [Egress]}`, true, true, true},
	}
	c := newCluster()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := c.input(policy(t, `{metadata: {name: p, namespace: x}, spec: `+tt.spec+`}`))
			in.DefaultDeny = tt.defaultDeny
			ep := c.compile(t, in, "x/a")
			if ep.EnforceIngress != tt.wantIngress || ep.EnforceEgress != tt.wantEgress {
				t.Errorf("enforce ingress, egress = %v, %v; want %v, %v", ep.EnforceIngress, ep.EnforceEgress, tt.wantIngress, tt.wantEgress)
			}
		})
	}
}

func TestCompileEgress(t *testing.T) {
	c := newCluster()
	in := c.input(policy(t, `
metadata: {name: p, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  egress:
  - to: [{namespaceSelector: {matchLabels: {ns: "y"}}}]
    ports: [{port: 80}]
  - to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.2.0/24]}}]
    ports: [{protocol: UDP, port: 53}]
  - to: [{podSelector: {matchLabels: {pod: b}}}]
`))
	w := c.world(t, in)
	ep := w.compile(t, "x/a")
	checks := []struct {
		dir      Direction
		protocol uint8
		port     uint16
		want     []string
	}{
		{Egress, protoTCP, 80, []string{"x/b", "y/a", "y/b", "y/c"}},
		{Egress, protoTCP, 81, []string{"x/b"}},
		// The ipBlock: addresses in 10/8 outside 10.0.2/24, pods' IPv4
		// addresses included; not namespace y's.
		{Egress, protoUDP, 53, []string{"x/a(v4)", "x/b", "x/c(v4)", "z/a(v4)", "z/b(v4)", "z/c(v4)", "10.0.0.0/8"}},
		{Egress, 1, 0, []string{"x/b"}}, // ICMP: only the rule without ports
		// Both types were inferred, so ingress is enforced with no rule.
		{Ingress, protoTCP, 80, []string{"host"}},
	}
	for _, ck := range checks {
		if got := w.allowed(ep, ck.dir, ck.protocol, ck.port); !slices.Equal(got, ck.want) {
			t.Errorf("%v %d/%d: allowed = %v, want %v", ck.dir, ck.protocol, ck.port, got, ck.want)
		}
	}
	// The pods the policy does not select keep their defaults.
	if got := w.allowed(w.compile(t, "x/b"), Egress, protoTCP, 443); len(got) != len(allPods)+4 {
		t.Errorf("x/b egress allowed = %v, want every peer", got)
	}
}

func TestCompileUnionAcrossPorts(t *testing.T) {
	c := newCluster()
	in := c.input(policies(t,
		`{metadata: {name: web, namespace: x}, spec: {podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: "y"}}}], ports: [{port: 80}]}]}}`,
		`{metadata: {name: tls, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: z}}}], ports: [{port: 443}]}]}}`,
	)...)
	ep := c.compile(t, in, "x/a")
	for _, ck := range []struct {
		port uint16
		want []string
	}{
		{80, join(yPods, []string{"host"})},
		{443, join(zPods, []string{"host"})},
		{8080, []string{"host"}},
	} {
		if got := c.allowed(ep, Ingress, protoTCP, ck.port); !slices.Equal(got, ck.want) {
			t.Errorf("TCP/%d: allowed = %v, want %v", ck.port, got, ck.want)
		}
	}
}

func TestCompileRules(t *testing.T) {
	c := newCluster()
	in := c.input(policy(t, `{metadata: {name: p, namespace: x}, spec: {podSelector: {}, egress: [{ports: [{port: 53, protocol: UDP}]}, {to: [{podSelector: {}}], ports: [{port: 80}]}]}}`))
	ep := c.compile(t, in, "x/a")

	wantRef := RuleRef{Kind: "NetworkPolicy", Namespace: "x", Name: "p", Direction: Egress, Index: 1}
	d := Evaluate(ep, Egress, c.ids["x/b"], protoTCP, 80)
	v, rule := d.Verdict, d.Rule
	if v != Allow || rule != wantRef.ID() {
		t.Errorf("Evaluate = %v, %v; want allow, %v", v, rule, wantRef.ID())
	}
	if got := ep.Rules[rule]; got != wantRef {
		t.Errorf("Rules[%v] = %+v, want %+v", rule, got, wantRef)
	}
	for _, e := range ep.Entries {
		if _, ok := ep.Rules[e.Rule]; !ok {
			t.Errorf("entry %+v: rule not in Rules", e)
		}
	}
	if len(ep.Rules) != 3 { // two egress rules and host access
		t.Errorf("Rules = %v, want 3 rules", ep.Rules)
	}
}

func TestCompileHostAccess(t *testing.T) {
	c := newCluster()
	want := Entry{Direction: Ingress, Identity: secid.Host, Verdict: Allow, Rule: hostAccess.ID()}

	ep := c.compile(t, c.input(policy(t, `{metadata: {name: p, namespace: x}, spec: {podSelector: {}, policyTypes: [Ingress]}}`)), "x/a")
	if !slices.Equal(ep.Entries, []Entry{want}) {
		t.Errorf("Entries = %+v, want only %+v", ep.Entries, want)
	}
	if got := ep.Rules[want.Rule]; got != (RuleRef{Kind: "Zeta", Name: "host-access", Index: -1}) {
		t.Errorf("Rules[host access] = %+v", got)
	}
	if v := Evaluate(ep, Ingress, secid.Host, 1, 0).Verdict; v != Allow {
		t.Errorf("host ICMP to enforced pod = %v, want allow", v)
	}

	ep = c.compile(t, c.input(policy(t, `{metadata: {name: p, namespace: x}, spec: {podSelector: {}, policyTypes: [Egress]}}`)), "x/a")
	if len(ep.Entries) != 0 {
		t.Errorf("ingress not enforced: Entries = %+v, want none", ep.Entries)
	}
}

// TestCompileIgnoresInvalidPolicy: a policy the API server would refuse
// applies nowhere, rather than be guessed at, and Invalid says why.
func TestCompileIgnoresInvalidPolicy(t *testing.T) {
	c := newCluster()
	bad := policy(t, `{metadata: {name: p, namespace: x}, spec: {podSelector: {}, ingress: [{from: [{}]}]}}`)
	good := policy(t, `{metadata: {name: q, namespace: x}, spec: {podSelector: {}, ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]}}`)
	w := c.world(t, c.input(bad, good))
	if got := w.allowed(w.compile(t, "x/a"), Ingress, protoTCP, 80); !slices.Equal(got, []string{"x/b", "host"}) {
		t.Errorf("allowed = %v, want what the valid policy allows", got)
	}
	invalid := w.comp.Invalid()
	var verr *ValidationError
	if len(invalid) != 1 || !errors.As(invalid["NetworkPolicy x/p"], &verr) {
		t.Errorf("Invalid() = %v, want the ValidationError of NetworkPolicy x/p", invalid)
	}
}
