package pkttest

import (
	"encoding/binary"
	"net/netip"
)

// IPv6 is an IPv6 header, the extension headers after it, and the
// upper-layer protocol after those.
type IPv6 struct {
	Src, Dst netip.Addr
	Ext      []Ext
	Protocol uint8

	Version uint8 // 0: 6
}

// Ext is an IPv6 extension header.
type Ext struct {
	// Kind is ProtoHopByHop, ProtoRouting, ProtoDestOpts, ProtoAH or
	// ProtoFragment (or anything else, which is then laid out like
	// ProtoDestOpts).
	Kind uint8
	// Len is the Hdr Ext Len field: the header is (Len+1)*8 bytes, or
	// (Len+2)*4 for ProtoAH. The fragment header is always 8 bytes.
	Len uint8

	// Fragment header only.
	FragOffset uint16 // in 8-byte units
	More       bool
	ID         uint32
}

// Size returns the header's length in bytes.
func (e Ext) Size() int {
	switch e.Kind {
	case ProtoFragment:
		return 8
	case ProtoAH:
		return (int(e.Len) + 2) * 4
	}
	return (int(e.Len) + 1) * 8
}

func (e Ext) marshal(next uint8) []byte {
	b := make([]byte, e.Size())
	b[0] = next
	if e.Kind == ProtoFragment {
		binary.BigEndian.PutUint16(b[2:], e.FragOffset<<3)
		if e.More {
			b[3] |= 1
		}
		binary.BigEndian.PutUint32(b[4:], e.ID)
		return b
	}
	b[1] = e.Len
	switch e.Kind {
	case ProtoAH, ProtoRouting:
		// Zeros: an AH with SPI 0, a type 0 routing header with no
		// segments left.
	default:
		// One PadN option filling the rest, so that hop-by-hop and
		// destination options are well formed.
		b[2], b[3] = 1, byte(len(b)-4)
	}
	return b
}

// Marshal returns the header, the extension headers and payload.
func (h IPv6) Marshal(payload []byte) []byte {
	var ext []byte
	for i, e := range h.Ext {
		next := h.Protocol
		if i+1 < len(h.Ext) {
			next = h.Ext[i+1].Kind
		}
		ext = append(ext, e.marshal(next)...)
	}
	first := h.Protocol
	if len(h.Ext) > 0 {
		first = h.Ext[0].Kind
	}

	b := make([]byte, 40, 40+len(ext)+len(payload))
	version := h.Version
	if version == 0 {
		version = 6
	}
	binary.BigEndian.PutUint32(b[0:], uint32(version)<<28)
	binary.BigEndian.PutUint16(b[4:], uint16(len(ext)+len(payload)))
	b[6] = first
	b[7] = 64
	src, dst := h.Src.As16(), h.Dst.As16()
	copy(b[8:24], src[:])
	copy(b[24:40], dst[:])
	b = append(b, ext...)
	return append(b, payload...)
}

// Frame returns the packet in an Ethernet frame.
func (h IPv6) Frame(payload []byte) []byte {
	return Ethernet(EtherTypeIPv6, h.Marshal(payload))
}
