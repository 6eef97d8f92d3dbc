package bpf

import "net/netip"

// Address families as the datapath stores them (AF_INET, AF_INET6).
const (
	FamilyIPv4 = 2
	FamilyIPv6 = 10
)

// Addr decodes an address the datapath stores in 16 bytes: IPv4 in the
// first four.
func Addr(family uint8, raw [16]byte) netip.Addr {
	if family == FamilyIPv4 {
		return netip.AddrFrom4([4]byte(raw[:4]))
	}
	return netip.AddrFrom16(raw)
}

// RawAddr is the inverse of Addr.
func RawAddr(a netip.Addr) (family uint8, raw [16]byte) {
	if a.Is4() {
		b := a.As4()
		copy(raw[:], b[:])
		return FamilyIPv4, raw
	}
	return FamilyIPv6, a.As16()
}
