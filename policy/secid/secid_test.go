package secid

import (
	"path/filepath"
	"testing"
)

func TestAllocatorPersists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "identities.json")
	a, err := NewAllocator(path)
	if err != nil {
		t.Fatal(err)
	}
	web := Labels{Namespace: "x", Pod: map[string]string{"app": "web"}}
	db := Labels{Namespace: "x", Pod: map[string]string{"app": "db"}}
	ids, err := a.Reconcile([]Labels{web, db, web})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 2 || ids[web.Key()] < MinPod || ids[web.Key()] == ids[db.Key()] {
		t.Fatalf("ids %v: want two distinct pod identities", ids)
	}

	// A restarted agent gets the same numbers.
	b, err := NewAllocator(path)
	if err != nil {
		t.Fatal(err)
	}
	again, err := b.Reconcile([]Labels{db, web})
	if err != nil {
		t.Fatal(err)
	}
	if again[web.Key()] != ids[web.Key()] || again[db.Key()] != ids[db.Key()] {
		t.Fatalf("after restart %v, want %v", again, ids)
	}

	// A released identity's number is never handed out again.
	if _, err := b.Reconcile([]Labels{web}); err != nil {
		t.Fatal(err)
	}
	if _, ok := b.Labels(ids[db.Key()]); ok {
		t.Error("released identity still has labels")
	}
	cache := Labels{Namespace: "y", Pod: map[string]string{"app": "cache"}}
	last, err := b.Reconcile([]Labels{web, db, cache})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []Labels{db, cache} {
		if id := last[l.Key()]; id == ids[db.Key()] || id == ids[web.Key()] {
			t.Errorf("%s got recycled identity %d", l.Key(), id)
		}
	}
}

func TestLabelsKeyAndFilter(t *testing.T) {
	a := Labels{Namespace: "x", Pod: map[string]string{"b": "2", "a": "1"}, NamespaceLabels: map[string]string{"team": "t"}}
	b := Labels{Namespace: "x", Pod: map[string]string{"a": "1", "b": "2"}, NamespaceLabels: map[string]string{"team": "t"}}
	if a.Key() != b.Key() {
		t.Errorf("equal sets, different keys: %q %q", a.Key(), b.Key())
	}
	c := Labels{Namespace: "y", Pod: a.Pod, NamespaceLabels: a.NamespaceLabels}
	if a.Key() == c.Key() {
		t.Error("different namespaces, same key")
	}
	if got := a.NamespaceSet()["kubernetes.io/metadata.name"]; got != "x" {
		t.Errorf("namespace name label %q, want x", got)
	}

	in := map[string]string{"app": "web", "pod-template-hash": "abc", "team.io/owner": "me", "version": "1"}
	if got := DefaultFilter.Apply(in); len(got) != 3 || got["pod-template-hash"] != "" {
		t.Errorf("default filter kept %v", got)
	}
	f := Filter{Include: []string{"app", "team.io/*"}}
	if got := f.Apply(in); len(got) != 2 || got["app"] != "web" || got["team.io/owner"] != "me" {
		t.Errorf("include filter kept %v", got)
	}
}

func TestReservedNames(t *testing.T) {
	for id, want := range map[ID]string{Any: "any", Host: "reserved:host", World: "reserved:world", Unmanaged: "reserved:unmanaged", 300: "300"} {
		if id.String() != want || id.Reserved() != (id < MinPod) {
			t.Errorf("%d: %q reserved=%v", uint32(id), id.String(), id.Reserved())
		}
	}
}
