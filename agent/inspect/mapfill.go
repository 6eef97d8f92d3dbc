package inspect

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cilium/ebpf"
)

// MapFill is how full one pinned map is.
type MapFill struct {
	Name string `json:"name"`
	Type string `json:"type"`
	// Entries is absent for arrays, whose slots always exist, and for the
	// ring buffer.
	Entries *uint32 `json:"entries,omitempty"`
	// MaxEntries is the ring buffer's size in bytes.
	MaxEntries uint32 `json:"max_entries"`
	Error      string `json:"error,omitempty"`
}

// mapFills reads every pinned map; a map that cannot be read is listed
// with its error.
func (n Node) mapFills() ([]MapFill, error) {
	entries, err := os.ReadDir(n.mapsDir())
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("list pinned maps: %w: no %s", ErrNotInstalled, n.mapsDir())
	}
	if err != nil {
		return nil, fmt.Errorf("list pinned maps: %w", err)
	}
	out := []MapFill{}
	for _, e := range entries {
		f := MapFill{Name: e.Name()}
		if err := f.read(filepath.Join(n.mapsDir(), e.Name())); err != nil {
			f.Error = err.Error()
		}
		out = append(out, f)
	}
	return out, nil
}

func (f *MapFill) read(path string) error {
	m, err := ebpf.LoadPinnedMap(path, &ebpf.LoadPinOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("open map: %w", err)
	}
	defer m.Close()
	f.Type, f.MaxEntries = m.Type().String(), m.MaxEntries()
	switch m.Type() {
	case ebpf.Array, ebpf.PerCPUArray, ebpf.RingBuf:
		return nil
	}
	n, err := CountEntries(m)
	if err != nil {
		return err
	}
	f.Entries = &n
	return nil
}

// CountEntries walks the keys of a hash-like map. While the agent or the
// datapath changes the map the walk may restart, so the count is capped
// at the map's size.
func CountEntries(m *ebpf.Map) (uint32, error) {
	key := make([]byte, m.KeySize())
	var prev any // nil asks for the first key
	var n uint32
	for n < m.MaxEntries() {
		err := m.NextKey(prev, key)
		if errors.Is(err, ebpf.ErrKeyNotExist) {
			return n, nil
		}
		if err != nil {
			return 0, fmt.Errorf("count entries: %w", err)
		}
		prev = key
		n++
	}
	return n, nil
}
