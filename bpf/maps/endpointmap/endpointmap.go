// Package endpointmap owns zeta_endpoints: local endpoints by the ifindex
// of their host-side veth, with their identity and enforcement flags.
package endpointmap

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf"
)

// Flags are the endpoint's enforcement flags (EP_F_* in lib/endpoint.h).
type Flags uint32

// Enforcement turns default deny on for a direction; audit turns that
// direction's denials into audits.
const (
	EnforceIngress Flags = 0x1
	EnforceEgress  Flags = 0x2
	AuditIngress   Flags = 0x4
	AuditEgress    Flags = 0x8
)

// Info mirrors struct endpoint_info.
type Info struct {
	ID       uint32
	Identity uint32
	Flags    Flags
	_        uint32
}

// Map is zeta_endpoints.
type Map struct{ m *ebpf.Map }

// New wraps the loaded map.
func New(m *ebpf.Map) *Map { return &Map{m: m} }

// Upsert installs or replaces the endpoint behind ifindex.
func (m *Map) Upsert(ifindex uint32, info Info) error {
	if err := m.m.Update(ifindex, info, ebpf.UpdateAny); err != nil {
		return fmt.Errorf("update endpoint %d: %w", ifindex, err)
	}
	return nil
}

// Delete removes the endpoint behind ifindex; a missing one is not an error.
func (m *Map) Delete(ifindex uint32) error {
	if err := m.m.Delete(ifindex); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
		return fmt.Errorf("delete endpoint %d: %w", ifindex, err)
	}
	return nil
}

// List returns every endpoint by ifindex.
func (m *Map) List() (map[uint32]Info, error) {
	out := map[uint32]Info{}
	var k uint32
	var v Info
	it := m.m.Iterate()
	for it.Next(&k, &v) {
		out[k] = v
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("list endpoints: %w", err)
	}
	return out, nil
}
