package pkttest

import (
	"encoding/binary"
	"net/netip"
)

// IP protocol numbers, IPv6 extension headers included.
const (
	ProtoHopByHop uint8 = 0
	ProtoICMP     uint8 = 1
	ProtoTCP      uint8 = 6
	ProtoUDP      uint8 = 17
	ProtoRouting  uint8 = 43
	ProtoFragment uint8 = 44
	ProtoGRE      uint8 = 47
	ProtoAH       uint8 = 51
	ProtoICMPv6   uint8 = 58
	ProtoNone     uint8 = 59
	ProtoDestOpts uint8 = 60
	ProtoSCTP     uint8 = 132
)

// IPv4 is an IPv4 header. The zero values of Version, IHL and TotalLen
// give a correct header; set them to build a malformed one.
type IPv4 struct {
	Src, Dst netip.Addr
	Protocol uint8
	ID       uint16
	// MoreFragments and FragOffset (in 8-byte units) make a fragment.
	MoreFragments bool
	FragOffset    uint16
	DontFragment  bool
	// Options are padded with zeros to a multiple of four bytes.
	Options []byte

	Version  uint8   // 0: 4
	IHL      uint8   // 0: from the options
	TotalLen *uint16 // nil: from the payload
}

// Marshal returns the header followed by payload.
func (h IPv4) Marshal(payload []byte) []byte {
	opts := len(h.Options)
	opts += (4 - opts%4) % 4
	hlen := 20 + opts
	b := make([]byte, hlen, hlen+len(payload))

	version, ihl := h.Version, h.IHL
	if version == 0 {
		version = 4
	}
	if ihl == 0 {
		ihl = uint8(hlen / 4)
	}
	b[0] = version<<4 | ihl&0xF
	total := uint16(hlen + len(payload))
	if h.TotalLen != nil {
		total = *h.TotalLen
	}
	binary.BigEndian.PutUint16(b[2:], total)
	binary.BigEndian.PutUint16(b[4:], h.ID)
	frag := h.FragOffset & 0x1FFF
	if h.MoreFragments {
		frag |= 0x2000
	}
	if h.DontFragment {
		frag |= 0x4000
	}
	binary.BigEndian.PutUint16(b[6:], frag)
	b[8] = 64
	b[9] = h.Protocol
	src, dst := h.Src.As4(), h.Dst.As4()
	copy(b[12:16], src[:])
	copy(b[16:20], dst[:])
	copy(b[20:], h.Options)
	binary.BigEndian.PutUint16(b[10:], Checksum(b))
	return append(b, payload...)
}

// Frame returns the packet in an Ethernet frame.
func (h IPv4) Frame(payload []byte) []byte {
	return Ethernet(EtherTypeIPv4, h.Marshal(payload))
}

// Checksum is the Internet checksum (RFC 1071) of b.
func Checksum(b []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum > 0xFFFF {
		sum = sum>>16 + sum&0xFFFF
	}
	return ^uint16(sum)
}
