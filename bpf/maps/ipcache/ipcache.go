// Package ipcache owns zeta_ipcache4 and zeta_ipcache6: longest-prefix
// match from an address to the security identity behind it.
package ipcache

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/cilium/ebpf"
)

// Key4 mirrors struct ipcache_key4.
type Key4 struct {
	PrefixLen uint32
	Addr      [4]byte
}

// Key6 mirrors struct ipcache_key6.
type Key6 struct {
	PrefixLen uint32
	Addr      [16]byte
}

// Value mirrors struct ipcache_value.
type Value struct {
	Identity uint32
}

// Map is the pair of tries.
type Map struct{ v4, v6 *ebpf.Map }

// New wraps the loaded maps.
func New(v4, v6 *ebpf.Map) *Map { return &Map{v4: v4, v6: v6} }

func (m *Map) key(p netip.Prefix) (*ebpf.Map, any) {
	p = p.Masked()
	if p.Addr().Is4() {
		return m.v4, Key4{PrefixLen: uint32(p.Bits()), Addr: p.Addr().As4()}
	}
	return m.v6, Key6{PrefixLen: uint32(p.Bits()), Addr: p.Addr().As16()}
}

// Upsert maps every address in p to identity.
func (m *Map) Upsert(p netip.Prefix, identity uint32) error {
	mp, k := m.key(p)
	if err := mp.Update(k, Value{Identity: identity}, ebpf.UpdateAny); err != nil {
		return fmt.Errorf("update ipcache %s: %w", p, err)
	}
	return nil
}

// Delete removes p; a missing prefix is not an error.
func (m *Map) Delete(p netip.Prefix) error {
	mp, k := m.key(p)
	if err := mp.Delete(k); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
		return fmt.Errorf("delete ipcache %s: %w", p, err)
	}
	return nil
}

// List returns every prefix with its identity.
func (m *Map) List() (map[netip.Prefix]uint32, error) {
	out := map[netip.Prefix]uint32{}
	var v Value
	var k4 Key4
	it := m.v4.Iterate()
	for it.Next(&k4, &v) {
		out[netip.PrefixFrom(netip.AddrFrom4(k4.Addr), int(k4.PrefixLen))] = v.Identity
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("list ipcache4: %w", err)
	}
	var k6 Key6
	it = m.v6.Iterate()
	for it.Next(&k6, &v) {
		out[netip.PrefixFrom(netip.AddrFrom16(k6.Addr), int(k6.PrefixLen))] = v.Identity
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("list ipcache6: %w", err)
	}
	return out, nil
}
