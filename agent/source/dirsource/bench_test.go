package dirsource

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zeta-net/zeta/agent/manifest"
)

// BenchmarkResync compares what a resync of an unchanged directory of
// 1,000 pods costs: stamping it against rereading and parsing it, as every
// resync did before stamps.
func BenchmarkResync(b *testing.B) {
	dir := b.TempDir()
	var doc strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&doc, "---\napiVersion: v1\nkind: Pod\nmetadata: {name: peer-%04d, namespace: bench, labels: {peer: peer-%04d}}\n"+
			"spec: {nodeName: remote}\nstatus: {podIP: 10.250.%d.%d}\n", i, i, i/250, i%250+1)
	}
	if err := os.WriteFile(filepath.Join(dir, "cluster.yaml"), []byte(doc.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	b.Run("stamp", func(b *testing.B) {
		later := time.Now().Add(2 * settleTime)
		last, err := takeStamp(dir, later)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			now, err := takeStamp(dir, later)
			if err != nil || !last.unchanged(now) {
				b.Fatalf("stamp changed (%v)", err)
			}
		}
	})
	b.Run("reread", func(b *testing.B) {
		for b.Loop() {
			if _, err := manifest.LoadDir(dir); err != nil {
				b.Fatal(err)
			}
		}
	})
}
