package flow

import (
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkJSONLinesExport writes batches of 256 typical records to a
// flow log file; an op is one record.
func BenchmarkJSONLinesExport(b *testing.B) {
	j, err := OpenJSONLines(filepath.Join(b.TempDir(), "flows.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close(b.Context())
	r := &Record{
		Time: time.Now(), Node: "node-1", Verdict: VerdictAllowed, Direction: "ingress", IPVersion: 4, Protocol: "TCP",
		Source: Peer{IP: "10.0.0.1", Port: 40000, Identity: 300, Namespace: "shop", Pod: "web-1",
			Labels: map[string]string{"app": "web", "tier": "front"}, SPIFFEID: "spiffe://cluster.local/ns/shop/sa/web"},
		Destination: Peer{IP: "10.0.0.2", Port: 80, Identity: 301, Namespace: "shop", Pod: "api-1",
			Labels: map[string]string{"app": "api"}, SPIFFEID: "spiffe://cluster.local/ns/shop/sa/api"},
		TCPFlags: "SYN", Policy: "NetworkPolicy shop/allow-web ingress[0]", Endpoint: "shop/api-1", Ifindex: 5, Bytes: 60, Packets: 1, RuleID: 9,
	}
	batch := make([]*Record, 256)
	for i := range batch {
		batch[i] = r
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%len(batch) == len(batch)-1 {
			if err := j.Export(b.Context(), batch); err != nil {
				b.Fatal(err)
			}
		}
	}
}
