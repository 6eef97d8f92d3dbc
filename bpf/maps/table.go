package maps

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf"
)

// Table is typed access to a map of K to V: the writes and the listing
// that every map package needs, with errors that name the map.
type Table[K comparable, V any] struct {
	m    *ebpf.Map
	name string
}

// NewTable wraps the loaded map called name.
func NewTable[K comparable, V any](m *ebpf.Map, name string) Table[K, V] {
	return Table[K, V]{m: m, name: name}
}

// Update writes one entry.
func (t Table[K, V]) Update(k K, v V) error {
	if err := t.m.Update(k, v, ebpf.UpdateAny); err != nil {
		return fmt.Errorf("update %s entry %+v: %w", t.name, k, err)
	}
	return nil
}

// Delete removes one entry; a missing one is not an error.
func (t Table[K, V]) Delete(k K) error {
	if err := t.m.Delete(k); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
		return fmt.Errorf("delete %s entry %+v: %w", t.name, k, err)
	}
	return nil
}

// List returns every entry.
func (t Table[K, V]) List() (map[K]V, error) {
	out := map[K]V{}
	var k K
	var v V
	it := t.m.Iterate()
	for it.Next(&k, &v) {
		out[k] = v
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("list %s: %w", t.name, err)
	}
	return out, nil
}
