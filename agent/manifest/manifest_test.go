package manifest

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
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
		"c.yaml":      "apiVersion: v1\nkind: Pod\nmetadata: [broken\n",
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
