package pkttest

import (
	"encoding/binary"
	"net/netip"
)

// EtherLen is the length of an Ethernet header.
const EtherLen = 14

// EtherTypes.
const (
	EtherTypeIPv4 uint16 = 0x0800
	EtherTypeARP  uint16 = 0x0806
	EtherTypeVLAN uint16 = 0x8100
	EtherTypeIPv6 uint16 = 0x86DD
	EtherTypeLLDP uint16 = 0x88CC
)

// The MAC addresses of every frame: locally administered, unicast.
var (
	SrcMAC = [6]byte{0x02, 0, 0, 0, 0, 0x01}
	DstMAC = [6]byte{0x02, 0, 0, 0, 0, 0x02}
)

// Ethernet returns an Ethernet frame carrying payload.
func Ethernet(etherType uint16, payload []byte) []byte {
	b := make([]byte, EtherLen, EtherLen+len(payload))
	copy(b[0:6], DstMAC[:])
	copy(b[6:12], SrcMAC[:])
	binary.BigEndian.PutUint16(b[12:], etherType)
	return append(b, payload...)
}

// ARPRequest returns a frame asking who has target, from sender.
func ARPRequest(sender, target netip.Addr) []byte {
	b := make([]byte, 28)
	binary.BigEndian.PutUint16(b[0:], 1) // Ethernet
	binary.BigEndian.PutUint16(b[2:], EtherTypeIPv4)
	b[4], b[5] = 6, 4
	binary.BigEndian.PutUint16(b[6:], 1) // request
	copy(b[8:14], SrcMAC[:])
	s, t := sender.As4(), target.As4()
	copy(b[14:18], s[:])
	copy(b[24:28], t[:])
	return Ethernet(EtherTypeARP, b)
}

// Frame returns an Ethernet frame with an IPv4 or IPv6 header, by the
// family of src, and l4 as the payload of protocol proto.
func Frame(src, dst netip.Addr, proto uint8, l4 []byte) []byte {
	if src.Is4() {
		return IPv4{Src: src, Dst: dst, Protocol: proto}.Frame(l4)
	}
	return IPv6{Src: src, Dst: dst, Protocol: proto}.Frame(l4)
}
