package offline

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/zeta-net/zeta/agent/l7/jwks"
	"github.com/zeta-net/zeta/agent/manifest"
	polofl "github.com/zeta-net/zeta/policy/offline"
)

const cluster = `
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {pod: a}}
spec: {nodeName: node-1}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: x, labels: {pod: b}}
spec: {nodeName: node-2}
---
apiVersion: zeta.io/v1alpha1
kind: ZeroTrustPolicy
metadata: {name: b-http, namespace: x}
spec:
  selector: {matchLabels: {pod: b}}
  ingress:
  - name: from-a
    from: [{podSelector: {matchLabels: {pod: a}}}]
    ports: [{port: 80}]
    http: [{methods: [GET], paths: [{exact: /ok}]}]
`

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "c.yaml"), []byte(cluster), 0o600); err != nil {
		t.Fatal(err)
	}
	set, err := manifest.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := polofl.DefaultConfig()
	m, err := polofl.Build(set, cfg)
	if err != nil {
		t.Fatal(err)
	}
	const rule = "ZeroTrustPolicy x/b-http ingress[0] from-a"
	for _, tt := range []struct {
		q    Query
		want Result
	}{
		{Query{From: "x/a", To: "x/b", Port: 80, Method: "GET", Path: "/ok"}, Result{Status: 200, Reason: "allowed", Rule: rule}},
		{Query{From: "x/a", To: "x/b", Port: 80, Method: "GET", Path: "/a/../ok"}, Result{Status: 200, Reason: "allowed", Rule: rule}},
		{Query{From: "x/a", To: "x/b", Port: 80, Method: "POST", Path: "/ok"}, Result{Status: 403, Reason: "no-match"}},
		{Query{From: "x/a", To: "x/b", Port: 81, Method: "GET", Path: "/ok"}, Result{Status: 403, Reason: ReasonL4Denied}},
		{Query{From: "x/b", To: "x/a", Port: 80, Method: "GET", Path: "/"}, Result{Status: 200, Reason: ReasonNoL7}},
		{Query{From: "x/a", To: "x/a", Port: 80, Method: "GET", Path: "/"}, Result{Status: 200, Reason: ReasonSelf}},
	} {
		tt.q.Header = http.Header{}
		got, err := Check(t.Context(), polofl.Go{}, m, cfg, &jwks.Pool{}, tt.q)
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("%+v: %+v, want %+v", tt.q, got, tt.want)
		}
	}
	if _, err := Check(t.Context(), polofl.Go{}, m, cfg, &jwks.Pool{}, Query{From: "x/a", To: "x/nope", Port: 80}); err == nil {
		t.Error("unknown pod judged")
	}
}
