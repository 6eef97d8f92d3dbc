package secid

import (
	"fmt"
	"maps"
	"sync"

	"github.com/zeta-net/zeta/agent/statefile"
)

// Allocator numbers label sets. Numbers only grow, so an identity that was
// released is never handed to another label set while stale conntrack
// entries or flow records may still name it.
type Allocator struct {
	mu     sync.RWMutex
	path   string
	byKey  map[string]ID
	labels map[ID]Labels
	next   ID
}

type allocatorFile struct {
	Next       ID            `json:"next"`
	Identities map[ID]Labels `json:"identities"`
}

// NewAllocator returns an allocator that persists to path, loading what an
// earlier run saved there. An empty path keeps the numbering in memory.
func NewAllocator(path string) (*Allocator, error) {
	a := &Allocator{path: path, byKey: map[string]ID{}, labels: map[ID]Labels{}, next: MinPod}
	if path == "" {
		return a, nil
	}
	var f allocatorFile
	if _, err := statefile.Read(path, &f); err != nil {
		return nil, fmt.Errorf("load identities: %w", err)
	}
	for id, l := range f.Identities {
		if id < MinPod {
			return nil, fmt.Errorf("decode identities %s: reserved identity %d", path, id)
		}
		a.byKey[l.Key()] = id
		a.labels[id] = l
	}
	a.next = max(f.Next, MinPod)
	return a, nil
}

// Reconcile gives every live label set an identity, keeping the numbers
// they already had, releases the identities no live set uses any more, and
// persists the result. It returns the identity of each live set by Key.
func (a *Allocator) Reconcile(live []Labels) (map[string]ID, error) {
	a.mu.Lock()
	defer a.mu.Unlock()

	out := make(map[string]ID, len(live))
	changed := false
	for _, l := range live {
		k := l.Key()
		if _, ok := out[k]; ok {
			continue
		}
		id, ok := a.byKey[k]
		if !ok {
			id = a.next
			a.next++
			a.byKey[k] = id
			a.labels[id] = l
			changed = true
		}
		out[k] = id
	}
	for k, id := range a.byKey {
		if _, ok := out[k]; !ok {
			delete(a.byKey, k)
			delete(a.labels, id)
			changed = true
		}
	}
	if changed {
		if err := a.save(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Labels returns what identity id stands for.
func (a *Allocator) Labels(id ID) (Labels, bool) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	l, ok := a.labels[id]
	return l, ok
}

// All returns a copy of every allocated identity.
func (a *Allocator) All() map[ID]Labels {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return maps.Clone(a.labels)
}

func (a *Allocator) save() error {
	if a.path == "" {
		return nil
	}
	return statefile.Write(a.path, allocatorFile{Next: a.next, Identities: a.labels})
}
