package dirsource

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/zeta-net/zeta/agent/source"
)

const pods = `apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {app: a}}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: x}
`

const policy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: x}
spec: {podSelector: {}}
`

// batch collects events up to and including the next Synced.
func batch(t *testing.T, ch <-chan source.Event) ([]source.Event, string) {
	t.Helper()
	var out []source.Event
	for {
		select {
		case ev := <-ch:
			if ev.Type == source.Synced {
				return out, ev.Revision
			}
			out = append(out, ev)
		case <-time.After(5 * time.Second):
			t.Fatalf("no Synced after %v", out)
		}
	}
}

func TestDirectoryChanges(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("pods.yaml", pods)

	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan source.Event, 16)
	done := make(chan error)
	s := &Source{Dir: dir, Log: slog.New(slog.DiscardHandler), Debounce: 10 * time.Millisecond, Resync: time.Hour}
	go func() { done <- s.Run(ctx, ch) }()

	evs, rev1 := batch(t, ch)
	if len(evs) != 2 || evs[0].Type != source.Upsert || evs[1].Type != source.Upsert {
		t.Fatalf("initial batch %v, want two pod upserts", evs)
	}

	// A new policy and a broken document: the policy arrives, the rest stays.
	write("policy.yaml", policy)
	write("broken.yaml", "kind: Pod\napiVersion: v1\nmetadata: [not a map]\n")
	evs, rev2 := batch(t, ch)
	if len(evs) != 1 || evs[0].Type != source.Upsert {
		t.Fatalf("after adding a policy: %v, want one upsert", evs)
	}
	if np, ok := evs[0].Object.(*networkingv1.NetworkPolicy); !ok || np.Name != "deny" {
		t.Fatalf("upserted %T, want the policy", evs[0].Object)
	}
	if rev2 == rev1 {
		t.Fatal("revision did not change with the content")
	}

	// Removing a pod deletes exactly it.
	write("pods.yaml", pods[:len(pods)-len("---\napiVersion: v1\nkind: Pod\nmetadata: {name: b, namespace: x}\n")])
	evs, _ = batch(t, ch)
	if len(evs) != 1 || evs[0].Type != source.Delete {
		t.Fatalf("after removing pod b: %v, want one delete", evs)
	}
	if p, ok := evs[0].Object.(*corev1.Pod); !ok || p.Name != "b" {
		t.Fatalf("deleted %v, want pod b", evs[0].Object)
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
}
