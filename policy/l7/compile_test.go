package l7

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/spiffe/go-spiffe/v2/spiffeid"

	"github.com/zeta-net/zeta/agent/manifest"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/secid"
)

const cluster = `
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop, labels: {app: api}}
spec:
  containers: [{name: c, image: i, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: zeta.io/v1alpha1
kind: ZeroTrustPolicy
metadata: {name: api-http, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  jwtProviders:
  - {name: idp, issuer: https://idp, jwksUri: https://idp/jwks}
  ingress:
  - name: web
    from: [{namespaceSelector: {matchLabels: {team: web}}}]
    ports: [{port: 8000, endPort: 8100}]
    http:
    - paths: [{prefix: /}]
      jwt: {providers: [idp]}
  - name: metrics
    ports: [{port: 9090}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: other, namespace: shop}
spec:
  podSelector: {}
  ingress:
  - from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: other}}}]
    ports: [{port: http}]
---
apiVersion: zeta.io/v1alpha1
kind: ClusterZeroTrustPolicy
metadata: {name: no-scanners}
spec:
  selector: {}
  ingress:
  - name: scanners
    action: Deny
    from: [{podSelector: {matchLabels: {app: scanner}}}]
`

func TestCompile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "c.yaml"), []byte(cluster), 0o600); err != nil {
		t.Fatal(err)
	}
	set, err := manifest.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	const api, web, other, scanner secid.ID = 1000, 1001, 1002, 1003
	ids := map[secid.ID]secid.Labels{
		api:     {Namespace: "shop", Pod: map[string]string{"app": "api"}, NamespaceLabels: map[string]string{"kubernetes.io/metadata.name": "shop"}},
		web:     {Namespace: "front", Pod: map[string]string{"app": "web"}, NamespaceLabels: map[string]string{"team": "web"}},
		other:   {Namespace: "front", Pod: map[string]string{"app": "other"}, NamespaceLabels: map[string]string{}},
		scanner: {Namespace: "shop", Pod: map[string]string{"app": "scanner"}, NamespaceLabels: map[string]string{}},
	}
	c := NewCompiler(policy.Options{TrustDomain: spiffeid.RequireTrustDomainFromString("cluster.local")})
	c.SetPolicies(policy.Policies{
		NetworkPolicies:          slices.Collect(maps.Values(set.NetworkPolicies)),
		ZeroTrustPolicies:        slices.Collect(maps.Values(set.ZeroTrustPolicies)),
		ClusterZeroTrustPolicies: slices.Collect(maps.Values(set.ClusterZeroTrustPolicies)),
	})
	if inv := c.Invalid(); len(inv) > 0 {
		t.Fatal(inv)
	}
	c.SetPeers(policy.Peers{Identities: ids})
	ep := policy.Endpoint{Identity: api, Pod: set.Pods["shop/api"]}

	p, err := c.Compile(ep, 8080)
	if err != nil {
		t.Fatal(err)
	}
	type brief struct {
		name    string
		verdict policy.Verdict
		peers   []secid.ID
		http    int
		provs   int
	}
	var got []brief
	for _, r := range p.Rules {
		got = append(got, brief{r.Name, r.Verdict, r.Peers, len(r.HTTP), len(r.Providers)})
	}
	want := []brief{
		{"ClusterZeroTrustPolicy no-scanners ingress[0] scanners", policy.Deny, []secid.ID{scanner}, 0, 0},
		{"NetworkPolicy shop/other ingress[0]", policy.Allow, []secid.ID{other}, 0, 0}, // named port "http" = 8080
		{"ZeroTrustPolicy shop/api-http ingress[0] web", policy.Allow, []secid.ID{web}, 1, 1},
		{"Zeta/host-access", policy.Allow, []secid.ID{secid.Host}, 0, 0},
	}
	if !p.Enforced || !p.HasHTTP() || !slices.EqualFunc(got, want, func(a, b brief) bool {
		return a.name == b.name && a.verdict == b.verdict && slices.Equal(a.peers, b.peers) && a.http == b.http && a.provs == b.provs
	}) {
		t.Fatalf("8080: enforced %v rules\n%+v\nwant\n%+v", p.Enforced, got, want)
	}

	p, err = c.Compile(ep, 9090)
	if err != nil {
		t.Fatal(err)
	}
	if p.HasHTTP() || len(p.Rules) != 3 || p.Rules[1].Name != "ZeroTrustPolicy shop/api-http ingress[1] metrics" || !slices.Equal(p.Rules[1].Peers, []secid.ID{secid.Any}) {
		t.Fatalf("9090: %+v", p.Rules)
	}
	if _, err := c.Compile(policy.Endpoint{Identity: 4242, Pod: ep.Pod}, 8080); err == nil {
		t.Fatal("unknown identity compiled")
	}
}
