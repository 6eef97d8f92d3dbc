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
	keys := make([]string, len(live))
	for i, l := range live {
		keys[i] = l.Key()
	}
	ids, err := a.Assign(keys, live)
	if err != nil {
		return nil, err
	}
	out := make(map[string]ID, len(live))
	for i, k := range keys {
		out[k] = ids[i]
	}
	return out, nil
}

// Assign is Reconcile for callers that know the keys: keys[i] must be
// live[i].Key(). It returns the identity of each live set, in order.
func (a *Allocator) Assign(keys []string, live []Labels) ([]ID, error) {
	a.mu.Lock()
	defer a.mu.Unlock()

	out := make([]ID, len(live))
	seen := make(map[string]struct{}, len(live))
	changed := false
	for i, l := range live {
		k := keys[i]
		seen[k] = struct{}{}
		id, ok := a.byKey[k]
		if !ok {
			id = a.next
			a.next++
			a.byKey[k] = id
			a.labels[id] = l
			changed = true
		}
		out[i] = id
	}
	for k, id := range a.byKey {
		if _, ok := seen[k]; !ok {
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
