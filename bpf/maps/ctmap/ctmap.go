// Package ctmap owns zeta_ct, the connection tracking table, and
// zeta_frags, the ports of fragmented datagrams.
package ctmap

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/cilium/ebpf"

	"github.com/zeta-net/zeta/bpf"
)

// Flags name the hook that opened a connection (CT_* in lib/conntrack.h).
const (
	FlagIngress = 1
	FlagEgress  = 2
)

// Key mirrors struct tuple: the tuple of the packet that opened the
// connection.
type Key struct {
	SrcAddr    [16]byte
	DstAddr    [16]byte
	SrcPortNet uint16
	DstPortNet uint16
	Protocol   uint8
	Family     uint8
	Flags      uint8
	_          uint8
}

// Src returns the initiator's address.
func (k Key) Src() netip.Addr { return bpf.Addr(k.Family, k.SrcAddr) }

// Dst returns the responder's address.
func (k Key) Dst() netip.Addr { return bpf.Addr(k.Family, k.DstAddr) }

// Entry mirrors struct ct_entry.
type Entry struct {
	Expires      uint64 // CLOCK_MONOTONIC nanoseconds
	Created      uint64
	FwdPackets   uint64
	FwdBytes     uint64
	RevPackets   uint64
	RevBytes     uint64
	Endpoint     uint32
	PeerIdentity uint32
	Rule         uint32
	Verdict      uint8
	FwdTCPFlags  uint8
	RevTCPFlags  uint8
	_            uint8
}

// TCP flags of FwdTCPFlags and RevTCPFlags (TCP_FLAG_* in lib/parse.h).
const (
	tcpFIN = 0x01
	tcpRST = 0x04
)

// Closed reports whether the entry's connection has ended though its
// entry has not expired: TCP that saw a FIN each way, or a RST. Other
// protocols end only by expiring.
func (e Entry) Closed(k Key) bool {
	if k.Protocol != bpf.ProtoTCP {
		return false
	}
	return (e.FwdTCPFlags|e.RevTCPFlags)&tcpRST != 0 || (e.FwdTCPFlags&tcpFIN != 0 && e.RevTCPFlags&tcpFIN != 0)
}

// FragKey mirrors struct frag_key.
type FragKey struct {
	SrcAddr  [16]byte
	DstAddr  [16]byte
	ID       uint32
	Protocol uint8
	Family   uint8
	_        uint16
}

// FragPorts mirrors struct frag_ports.
type FragPorts struct {
	SrcPortNet uint16
	DstPortNet uint16
	Protocol   uint8
	_          [3]uint8
}

// Map is zeta_ct.
type Map struct{ m *ebpf.Map }

// New wraps the loaded map.
func New(m *ebpf.Map) *Map { return &Map{m: m} }

// List returns every entry, expired ones included.
func (m *Map) List() (map[Key]Entry, error) {
	out := map[Key]Entry{}
	var k Key
	var e Entry
	it := m.m.Iterate()
	for it.Next(&k, &e) {
		out[k] = e
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("list conntrack: %w", err)
	}
	return out, nil
}

// GC deletes the entries that expired before now (CLOCK_MONOTONIC
// nanoseconds) and returns how many it deleted. The datapath already
// ignores them; GC frees the room before the LRU has to evict live ones.
func (m *Map) GC(now uint64) (int, error) {
	entries, err := m.List()
	if err != nil {
		return 0, err
	}
	n := 0
	for k, e := range entries {
		if e.Expires > now {
			continue
		}
		if err := m.Delete(k); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Delete removes the entry of k; one already gone is not an error.
func (m *Map) Delete(k Key) error {
	if err := m.m.Delete(k); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
		return fmt.Errorf("delete conntrack entry: %w", err)
	}
	return nil
}
