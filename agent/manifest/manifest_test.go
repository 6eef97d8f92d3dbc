package manifest

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/zeta-net/zeta/api/v1alpha1"
)

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"a.yaml": `# leading comment only
---
apiVersion: v1
kind: Namespace
metadata: {name: x}
---
apiVersion: v1
kind: Pod
metadata: {name: p}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ignored}
`,
		"b.yml": `apiVersion: v1
kind: List
items:
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: np, namespace: x}
  spec: {podSelector: {}}
`,
		"c.yaml": "apiVersion: v1\nkind: Pod\nmetadata: [broken\n",
		"d.yaml": `apiVersion: zeta.io/v1alpha1
kind: ZeroTrustPolicy
metadata: {name: ztp}
spec:
  selector: {matchLabels: {app: db}}
  ingress:
  - action: Deny
    from: [{cidr: 10.0.0.0/8}]
---
apiVersion: zeta.io/v1alpha1
kind: ZeroTrustPolicy
metadata: {name: ztp, namespace: x}
spec: {selector: {}}
---
apiVersion: zeta.io/v1alpha1
kind: ClusterZeroTrustPolicy
metadata: {name: cztp}
spec:
  selector: {}
  namespaceSelector: {matchLabels: {tier: prod}}
  authentication: MutualTLS
---
apiVersion: zeta.io/v1alpha2
kind: ZeroTrustPolicy
metadata: {name: unknown-version}
spec: {selector: {}}
`,
		"notes.txt":   "not a manifest",
		".hidden.yml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: hidden}\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	set, err := LoadDir(dir)
	var derr *Error
	if !errors.As(err, &derr) || derr.File != "c.yaml" {
		t.Fatalf("error %v, want a decode error naming c.yaml", err)
	}
	if set == nil || len(set.Namespaces) != 1 || set.Namespaces["x"] == nil {
		t.Fatalf("namespaces %v, want x only", set.Namespaces)
	}
	if set.Pods["default/p"] == nil || len(set.Pods) != 1 {
		t.Errorf("pods %v, want default/p", set.Pods)
	}
	if set.NetworkPolicies["x/np"] == nil {
		t.Errorf("policies %v, want x/np from the List", set.NetworkPolicies)
	}

	ztp := set.ZeroTrustPolicies["default/ztp"]
	if len(set.ZeroTrustPolicies) != 2 || ztp == nil || set.ZeroTrustPolicies["x/ztp"] == nil {
		t.Fatalf("zero-trust policies %v, want default/ztp and x/ztp", set.ZeroTrustPolicies)
	}
	if ztp.Namespace != "default" || len(ztp.Spec.Ingress) != 1 || ztp.Spec.Ingress[0].Action != v1alpha1.ActionDeny ||
		ztp.Spec.Ingress[0].From[0].CIDR != "10.0.0.0/8" {
		t.Errorf("default/ztp decoded as %+v", ztp)
	}
	cztp := set.ClusterZeroTrustPolicies["cztp"]
	if len(set.ClusterZeroTrustPolicies) != 1 || cztp == nil {
		t.Fatalf("cluster zero-trust policies %v, want cztp", set.ClusterZeroTrustPolicies)
	}
	if cztp.Spec.Authentication != v1alpha1.AuthenticationMutualTLS || cztp.Spec.NamespaceSelector.MatchLabels["tier"] != "prod" {
		t.Errorf("cztp decoded as %+v", cztp)
	}

	h1 := set.Hash
	if err := os.WriteFile(filepath.Join(dir, "c.yaml"), []byte("# fixed\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	set, err = LoadDir(dir)
	if err != nil {
		t.Fatalf("after the fix: %v", err)
	}
	if set.Hash == h1 {
		t.Error("hash unchanged after a file changed")
	}
	again, _ := LoadDir(dir)
	if again.Hash != set.Hash {
		t.Error("hash differs between two reads of the same content")
	}
}

// A Loader decodes a document once while it stays in the directory, and
// forgets documents that left it.
func TestLoaderRemembers(t *testing.T) {
	dir := t.TempDir()
	const ns = "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n"
	const pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\nspec: {containers: [{name: c, image: i}]}\n"
	writeFile := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeFile("a.yaml", ns+"---\n"+pod)
	l := NewLoader()
	first, err := l.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	writeFile("b.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n")
	second, err := l.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if first.Pods["a/p"] != second.Pods["a/p"] || first.Namespaces["a"] != second.Namespaces["a"] {
		t.Error("unchanged documents were decoded again")
	}
	if second.Namespaces["b"] == nil || first.Hash == second.Hash {
		t.Errorf("new document missing or hash unchanged: %v", second.Namespaces)
	}
	writeFile("a.yaml", ns)
	third, err := l.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(third.Pods) != 0 || len(l.docs) != 2 {
		t.Errorf("removed pod still loaded (%d pods) or remembered (%d documents, want 2)", len(third.Pods), len(l.docs))
	}
	fresh, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fresh.Hash != third.Hash || len(fresh.Namespaces) != len(third.Namespaces) {
		t.Errorf("Loader and LoadDir disagree: %s vs %s", third.Hash, fresh.Hash)
	}
}
