package policy

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/zeta-net/zeta/api/v1alpha1"
)

// withZTPs adds ZeroTrustPolicies to in.
func withZTPs(in testInput, ps ...*v1alpha1.ZeroTrustPolicy) testInput {
	in.ZeroTrustPolicies = ps
	return in
}

// TestCompileZeroTrustPolicy checks which peers reach x/a on TCP/80 (and
// whether ingress is enforced) under ZeroTrustPolicies, alone and next to
// NetworkPolicies.
func TestCompileZeroTrustPolicy(t *testing.T) {
	const allowFromY = `{metadata: {name: np, namespace: x}, spec: {podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: "y"}}}]}]}}`
	everyone := []string{"x/a", "x/b", "x/c", "y/a", "y/b", "y/c", "z/a", "z/b", "z/c", "world", "host"}
	for _, tc := range []struct {
		name     string
		nps      []string
		ztps     []string
		enforced bool
		want     []string
	}{
		{"allow rule: selected and enforced",
			nil,
			[]string{`{metadata: {name: p, namespace: x}, spec: {selector: {matchLabels: {pod: a}}, ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]}}`},
			true, []string{"x/b", "host"}},
		{"selector peers default to the policy's namespace; namespaceSelector alone: all its pods",
			nil,
			[]string{`{metadata: {name: p, namespace: x}, spec: {selector: {}, ingress: [{from: [{podSelector: {}}, {namespaceSelector: {matchLabels: {ns: z}}}]}]}}`},
			true, []string{"x/a", "x/b", "x/c", "z/a", "z/b", "z/c", "host"}},
		{"deny-only: does not enable default deny",
			nil,
			[]string{`{metadata: {name: p, namespace: x}, spec: {selector: {}, ingress: [{action: Deny, from: [{podSelector: {matchLabels: {pod: b}}}]}]}}`},
			false, []string{"x/a", "x/c", "y/a", "y/b", "y/c", "z/a", "z/b", "z/c", "world", "host"}},
		{"audit-only: does not enable default deny, audited peers are not plainly allowed",
			nil,
			[]string{`{metadata: {name: p, namespace: x}, spec: {selector: {}, ingress: [{action: Audit, from: [{namespaceSelector: {matchLabels: {ns: z}}}]}]}}`},
			false, []string{"x/a", "x/b", "x/c", "y/a", "y/b", "y/c", "world", "host"}},
		{"deny in a ZeroTrustPolicy beats a NetworkPolicy's allow",
			[]string{allowFromY},
			[]string{`{metadata: {name: p, namespace: x}, spec: {selector: {matchLabels: {pod: a}}, ingress: [{action: Deny, from: [{podSelector: {matchLabels: {pod: b}}, namespaceSelector: {}}]}]}}`},
			true, []string{"y/a", "y/c", "host"}},
		{"deny beats allow within one policy",
			nil,
			[]string{`{metadata: {name: p, namespace: x}, spec: {selector: {}, ingress: [{from: [{namespaceSelector: {}}]}, {action: Deny, from: [{podSelector: {matchLabels: {tier: db}}, namespaceSelector: {}}], ports: [{port: 80}]}]}}`},
			true, []string{"x/a", "x/b", "y/a", "y/b", "z/a", "z/b", "host"}},
		{"principals: a service account in every namespace",
			nil,
			[]string{`{metadata: {name: p, namespace: x}, spec: {selector: {}, ingress: [{from: [{principals: ["spiffe://cluster.local/ns/*/sa/b"]}]}]}}`},
			true, []string{"x/b", "y/b", "z/b", "host"}},
		{"principals: every service account of a namespace, and one exactly",
			nil,
			[]string{`{metadata: {name: p, namespace: x}, spec: {selector: {}, ingress: [{from: [{principals: ["spiffe://cluster.local/ns/y/sa/*", "spiffe://cluster.local/ns/z/sa/default"]}]}]}}`},
			true, []string{"y/a", "y/b", "y/c", "z/a", "z/c", "host"}},
		{"principals: another trust domain matches nothing",
			nil,
			[]string{`{metadata: {name: p, namespace: x}, spec: {selector: {}, ingress: [{from: [{principals: ["spiffe://example.org/ns/*/sa/*"]}]}]}}`},
			true, []string{"host"}},
		{"empty from: every source, the world included",
			nil,
			[]string{`{metadata: {name: p, namespace: x}, spec: {selector: {}, ingress: [{ports: [{port: 80}]}]}}`},
			true, everyone},
		{"port range: 80 is outside 81-90",
			nil,
			[]string{`{metadata: {name: p, namespace: x}, spec: {selector: {}, ingress: [{ports: [{port: 81, endPort: 90}, {protocol: UDP}]}]}}`},
			true, []string{"host"}},
		{"a policy of another namespace does not select",
			nil,
			[]string{`{metadata: {name: p, namespace: "y"}, spec: {selector: {}, ingress: [{from: [{podSelector: {}}]}]}}`},
			false, everyone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster()
			in := c.input(policies(t, tc.nps...)...)
			for _, doc := range tc.ztps {
				in.ZeroTrustPolicies = append(in.ZeroTrustPolicies, ztp(t, doc))
			}
			w := c.world(t, in)
			if invalid := w.comp.Invalid(); len(invalid) > 0 {
				t.Fatalf("invalid policies: %v", invalid)
			}
			ep := w.compile(t, "x/a")
			if ep.EnforceIngress != tc.enforced {
				t.Errorf("EnforceIngress = %v, want %v", ep.EnforceIngress, tc.enforced)
			}
			if got := w.allowed(ep, Ingress, protoTCP, 80); !slices.Equal(got, tc.want) {
				t.Errorf("allowed = %v\n want %v", got, tc.want)
			}
		})
	}
}

// TestCompileZeroTrustPolicyVerdicts checks the verdict, rule and proxy
// port each kind of rule gives, and the strength between them.
func TestCompileZeroTrustPolicyVerdicts(t *testing.T) {
	c := newCluster()
	in := withZTPs(c.input(), ztp(t, `
metadata: {name: p, namespace: x}
spec:
  selector: {matchLabels: {pod: a}}
  authentication: MutualTLS
  ingress:
  - name: mtls
    from: [{podSelector: {matchLabels: {pod: b}}}]
    ports: [{port: 80}]
  - name: plain
    authentication: None
    from: [{podSelector: {matchLabels: {pod: c}}}]
    ports: [{port: 80}]
  - name: web
    from: [{namespaceSelector: {matchLabels: {ns: "y"}}}]
    ports: [{port: 8080}]
    http: [{methods: [GET]}]
  - name: audit-y-a
    action: Audit
    from: [{podSelector: {matchLabels: {pod: a}}, namespaceSelector: {matchLabels: {ns: "y"}}}]
  - name: deny-y-b
    action: Deny
    from: [{podSelector: {matchLabels: {pod: b}}, namespaceSelector: {matchLabels: {ns: "y"}}}]
    ports: [{port: 8080}]
`))
	in.L7ProxyPort = 16001 // configured; MutualTLSProxyPort keeps its default
	w := c.world(t, in)
	ep := w.compile(t, "x/a")
	ref := func(i int, name string) RuleRef {
		return RuleRef{Kind: "ZeroTrustPolicy", Namespace: "x", Name: "p", Direction: Ingress, Index: i, RuleName: name}
	}
	for _, ck := range []struct {
		peer  string
		port  uint16
		want  Decision
		wantR RuleRef
	}{
		{"x/b", 80, Decision{Verdict: Redirect, ProxyPort: DefaultMutualTLSProxyPort}, ref(0, "mtls")},
		{"x/c", 80, Decision{Verdict: Allow}, ref(1, "plain")},
		{"y/c", 8080, Decision{Verdict: Redirect, ProxyPort: 16001}, ref(2, "web")},
		{"y/a", 8080, Decision{Verdict: Audit}, ref(3, "audit-y-a")}, // audit beats redirect
		{"y/b", 8080, Decision{Verdict: Deny}, ref(4, "deny-y-b")},   // deny beats redirect
		{"x/b", 81, Decision{Verdict: Deny}, RuleRef{}},              // default deny
	} {
		d := Evaluate(ep, Ingress, w.ids[ck.peer][0], protoTCP, ck.port)
		ck.want.Rule = ck.wantR.ID()
		if ck.wantR == (RuleRef{}) {
			ck.want.Rule = 0
		}
		if d != ck.want || ep.Rules[d.Rule] != ck.wantR && d.Rule != 0 {
			t.Errorf("%s TCP/%d: %+v (%v), want %+v (%v)", ck.peer, ck.port, d, ep.Rules[d.Rule], ck.want, ck.wantR)
		}
	}
	if got := ref(4, "deny-y-b").String(); got != "ZeroTrustPolicy x/p ingress[4] deny-y-b" {
		t.Errorf("RuleRef.String() = %q", got)
	}
}

// TestCompileClusterZeroTrustPolicy: a cluster policy selects in the
// namespaces its namespaceSelector selects, and its podSelector peers
// range over every namespace.
func TestCompileClusterZeroTrustPolicy(t *testing.T) {
	c := newCluster()
	in := c.input()
	in.ClusterZeroTrustPolicies = []*v1alpha1.ClusterZeroTrustPolicy{cztp(t, `
metadata: {name: web}
spec:
  namespaceSelector: {matchLabels: {ns: "y"}}
  selector: {matchLabels: {pod: a}}
  ingress:
  - name: from-b
    from: [{podSelector: {matchLabels: {pod: b}}}]
  egress:
  - action: Deny
    to: [{cidr: 10.0.3.0/24}]
`)}
	w := c.world(t, in)
	for _, ck := range []struct {
		pod, peer string
		dir       Direction
		want      []string
	}{
		{"y/a", "", Ingress, []string{"x/b", "y/b", "z/b", "host"}},
		{"y/a", "", Egress, []string{"x/a", "x/b", "x/c", "y/a", "y/b", "y/c", "z/a(v6)", "z/b(v6)", "z/c(v6)", "world", "host"}},
		{"x/a", "", Ingress, []string{"x/a", "x/b", "x/c", "y/a", "y/b", "y/c", "z/a", "z/b", "z/c", "10.0.3.0/24", "world", "host"}},
		{"y/b", "", Ingress, []string{"x/a", "x/b", "x/c", "y/a", "y/b", "y/c", "z/a", "z/b", "z/c", "10.0.3.0/24", "world", "host"}},
	} {
		if got := w.allowed(w.compile(t, ck.pod), ck.dir, protoTCP, 80); !slices.Equal(got, ck.want) {
			t.Errorf("%s %v: allowed = %v\n want %v", ck.pod, ck.dir, got, ck.want)
		}
	}
	ep := w.compile(t, "y/a")
	d := Evaluate(ep, Ingress, w.ids["x/b"][0], protoTCP, 80)
	if got := ep.Rules[d.Rule].String(); got != "ClusterZeroTrustPolicy web ingress[0] from-b" {
		t.Errorf("rule = %q", got)
	}
}

// TestCompileInvalidZeroTrustPolicy: an invalid policy applies nowhere
// and is reported with the API package's error; a principal of another
// trust domain is valid and reported as a warning.
func TestCompileInvalidZeroTrustPolicy(t *testing.T) {
	c := newCluster()
	in := withZTPs(c.input(),
		ztp(t, `{metadata: {name: bad, namespace: x}, spec: {selector: {}, ingress: [{action: Deny, from: [{cidr: 10.0.0.1/8}]}]}}`),
		ztp(t, `{metadata: {name: foreign, namespace: x}, spec: {selector: {}, ingress: [{from: [{principals: ["spiffe://example.org/ns/x/sa/b"]}]}]}}`),
	)
	w := c.world(t, in)
	invalid := w.comp.Invalid()
	var ie *v1alpha1.InvalidError
	if err := invalid["ZeroTrustPolicy x/bad"]; len(invalid) != 1 || err == nil || !errors.As(err, &ie) {
		t.Errorf("Invalid() = %v, want the InvalidError of ZeroTrustPolicy x/bad", invalid)
	}
	warnings := w.comp.Warnings()["ZeroTrustPolicy x/foreign"]
	if len(warnings) != 1 || !strings.Contains(warnings[0], "example.org") {
		t.Errorf("Warnings() = %v, want one about the trust domain", w.comp.Warnings())
	}
	if got := w.allowed(w.compile(t, "x/a"), Ingress, protoTCP, 80); !slices.Equal(got, []string{"host"}) {
		t.Errorf("allowed = %v, want host only: the bad policy's deny applies nowhere", got)
	}
}
