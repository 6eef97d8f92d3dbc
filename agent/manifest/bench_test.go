package manifest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkLoad loads a directory of 1,000 pods and 100 policies in which
// one small file changes between loads: from scratch (LoadDir), and with
// a Loader that decodes only what changed. Compare the two as a ratio.
func BenchmarkLoad(b *testing.B) {
	dir := b.TempDir()
	var big strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&big, "---\napiVersion: v1\nkind: Pod\nmetadata: {name: p%d, namespace: ns%d, labels: {app: app%d}}\nspec: {nodeName: n%d, containers: [{name: c, image: i, ports: [{containerPort: 80}]}]}\nstatus: {podIP: 10.0.%d.%d}\n", i, i/100, i%10, i%10, i/250, i%250+1)
	}
	for k := range 100 {
		fmt.Fprintf(&big, "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p%d, namespace: ns%d}\nspec:\n  podSelector: {matchLabels: {app: app%d}}\n  ingress: [{from: [{podSelector: {matchLabels: {app: app%d}}}], ports: [{port: %d}]}]\n", k, k%10, k%10, (k+1)%10, 8000+k)
	}
	if err := os.WriteFile(filepath.Join(dir, "cluster.yaml"), []byte(big.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	change := func(b *testing.B, i int) {
		data := fmt.Sprintf("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: changing, namespace: ns0}\nspec:\n  podSelector: {}\n  ingress: [{ports: [{port: %d}]}]\n", 9000+i%1000)
		if err := os.WriteFile(filepath.Join(dir, "change.yaml"), []byte(data), 0o600); err != nil {
			b.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name string
		load func(string) (*Set, error)
	}{
		{"LoadDir", LoadDir},
		{"Loader", NewLoader().Load},
	} {
		b.Run(tc.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				change(b, i)
				i++
				set, err := tc.load(dir)
				if err != nil || len(set.Pods) != 1000 {
					b.Fatalf("loaded %d pods: %v", len(set.Pods), err)
				}
			}
		})
	}
}
