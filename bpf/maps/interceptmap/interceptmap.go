// Package interceptmap owns zeta_intercept, the LPM trie of the pod ports
// that only a proxy may connect to, cluster-wide (see lib/intercept.h),
// and the packet marks that steer connections into the node's proxy.
package interceptmap

import (
	"net/netip"

	"github.com/cilium/ebpf"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/maps"
)

// Marks of enum zeta_mark in lib/intercept.h, in the bits MarkMask selects.
const (
	MarkMask = 0xff00
	// MarkToProxy is what zeta_from_pod sets on a connection it steers
	// into the proxy; the policy route delivers such packets locally.
	MarkToProxy = 0x5a00
	// MarkFromProxy, set with SO_MARK on the proxy's connections to pods,
	// lets them through to ports that require the proxy even when they
	// keep the original source address.
	MarkFromProxy = 0x5b00
)

// Flags say what a proxy enforces at a port (enum intercept_flag in lib/intercept.h).
type Flags uint8

// Flags.
const (
	MutualTLS Flags = 0x1
	L7        Flags = 0x2
)

// Prefix lengths in bits after Key.PrefixLen (INTERCEPT_PREFIX_* in lib/intercept.h).
const (
	prefixAnyPort = 144
	prefixFull    = 160
)

// Key mirrors struct intercept_key.
type Key struct {
	PrefixLen uint32
	Family    uint8
	Protocol  uint8
	Addr      [16]byte
	PortNet   uint16 // network byte order, so that its high bits come first in the trie
}

// Value mirrors struct intercept_value.
type Value struct {
	ProxyPortNet uint16
	Flags        Flags
	_            uint8
}

// Entry is one pod port prefix that requires a proxy: TCP connections to
// Addr whose destination port has Port's top PortPrefix bits (16: that
// port, 0: every port) go to the proxy on ProxyPort.
type Entry struct {
	Addr       netip.Addr
	Protocol   uint8
	Port       uint16
	PortPrefix uint8
	ProxyPort  uint16
	Flags      Flags
}

// KeyOf encodes e.
func KeyOf(e Entry) (Key, Value) {
	family, addr := bpf.RawAddr(e.Addr)
	mask := uint16(0)
	if e.PortPrefix > 0 {
		mask = ^uint16(0) << (16 - e.PortPrefix)
	}
	k := Key{
		PrefixLen: prefixAnyPort + uint32(e.PortPrefix),
		Family:    family,
		Protocol:  e.Protocol,
		Addr:      addr,
		PortNet:   bpf.Htons(e.Port & mask),
	}
	return k, Value{ProxyPortNet: bpf.Htons(e.ProxyPort), Flags: e.Flags}
}

// Entry decodes k and v.
func (k Key) Entry(v Value) Entry {
	return Entry{
		Addr:       bpf.Addr(k.Family, k.Addr),
		Protocol:   k.Protocol,
		Port:       bpf.Ntohs(k.PortNet),
		PortPrefix: uint8(min(k.PrefixLen, prefixFull) - prefixAnyPort),
		ProxyPort:  bpf.Ntohs(v.ProxyPortNet),
		Flags:      v.Flags,
	}
}

// Map is zeta_intercept: Update, Delete and List its entries.
type Map struct {
	maps.Table[Key, Value]
}

// New wraps the loaded map.
func New(m *ebpf.Map) *Map { return &Map{maps.NewTable[Key, Value](m, "zeta_intercept")} }
