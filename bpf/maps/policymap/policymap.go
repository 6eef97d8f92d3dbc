// Package policymap owns zeta_policy, the LPM trie of every local
// endpoint's policy entries (see lib/policy.h for how a lookup works).
package policymap

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/secid"
)

// Prefix lengths in bits after Key.PrefixLen (POLICY_PREFIX_* in lib/policy.h).
const (
	prefixAnyProtocol = 72
	prefixAnyPort     = 80
)

// Key mirrors struct policy_key.
type Key struct {
	PrefixLen uint32
	Endpoint  uint32
	Identity  uint32
	Direction uint8
	Protocol  uint8
	PortNet   uint16 // network byte order, so that its high bits come first in the trie
}

// Value mirrors struct policy_value.
type Value struct {
	Rule         uint32
	Verdict      uint8
	_            uint8
	ProxyPortNet uint16 // network byte order, as a port on the wire
}

// Port returns the key's port in host byte order.
func (k Key) Port() uint16 { return bpf.Ntohs(k.PortNet) }

// Entry decodes k and v back into the compiler's terms.
func (k Key) Entry(v Value) policy.Entry {
	e := policy.Entry{
		Direction: policy.Direction(k.Direction),
		Identity:  secid.ID(k.Identity),
		Protocol:  k.Protocol,
		Verdict:   policy.Verdict(v.Verdict),
		ProxyPort: bpf.Ntohs(v.ProxyPortNet),
		Rule:      policy.RuleID(v.Rule),
	}
	if k.PrefixLen > prefixAnyPort {
		e.Port = k.Port()
		e.PortPrefix = uint8(k.PrefixLen - prefixAnyPort)
	}
	return e
}

// KeyOf encodes an endpoint's entry.
func KeyOf(endpoint uint32, e policy.Entry) (Key, Value) {
	k := Key{
		Endpoint:  endpoint,
		Identity:  uint32(e.Identity),
		Direction: uint8(e.Direction),
		PrefixLen: prefixAnyProtocol,
	}
	if e.Protocol != 0 {
		k.Protocol = e.Protocol
		k.PrefixLen = prefixAnyPort + uint32(e.PortPrefix)
		mask := uint16(0)
		if e.PortPrefix > 0 {
			mask = ^uint16(0) << (16 - e.PortPrefix)
		}
		k.PortNet = bpf.Htons(e.Port & mask)
	}
	return k, Value{Rule: uint32(e.Rule), Verdict: uint8(e.Verdict), ProxyPortNet: bpf.Htons(e.ProxyPort)}
}

// Map is zeta_policy.
type Map struct{ m *ebpf.Map }

// New wraps the loaded map.
func New(m *ebpf.Map) *Map { return &Map{m: m} }

// Update writes one entry.
func (m *Map) Update(k Key, v Value) error {
	if err := m.m.Update(k, v, ebpf.UpdateAny); err != nil {
		return fmt.Errorf("update policy entry %+v: %w", k, err)
	}
	return nil
}

// Delete removes one entry; a missing one is not an error.
func (m *Map) Delete(k Key) error {
	if err := m.m.Delete(k); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
		return fmt.Errorf("delete policy entry %+v: %w", k, err)
	}
	return nil
}

// List returns every entry of every endpoint.
func (m *Map) List() (map[Key]Value, error) {
	out := map[Key]Value{}
	var k Key
	var v Value
	it := m.m.Iterate()
	for it.Next(&k, &v) {
		out[k] = v
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("list policy entries: %w", err)
	}
	return out, nil
}
