package pkttest

import "encoding/binary"

// TCP flags.
const (
	FIN uint8 = 0x01
	SYN uint8 = 0x02
	RST uint8 = 0x04
	PSH uint8 = 0x08
	ACK uint8 = 0x10
)

// TCP is a TCP header without options.
type TCP struct {
	SrcPort, DstPort uint16
	Seq, Ack         uint32
	Flags            uint8
	DataOffset       uint8 // 0: 5; anything else is written as is
	Payload          []byte
}

// Marshal returns the segment.
func (h TCP) Marshal() []byte {
	b := make([]byte, 20, 20+len(h.Payload))
	binary.BigEndian.PutUint16(b[0:], h.SrcPort)
	binary.BigEndian.PutUint16(b[2:], h.DstPort)
	binary.BigEndian.PutUint32(b[4:], h.Seq)
	binary.BigEndian.PutUint32(b[8:], h.Ack)
	off := h.DataOffset
	if off == 0 {
		off = 5
	}
	b[12] = off << 4
	b[13] = h.Flags
	binary.BigEndian.PutUint16(b[14:], 65535)
	return append(b, h.Payload...)
}

// UDP is a UDP header.
type UDP struct {
	SrcPort, DstPort uint16
	Payload          []byte
}

// Marshal returns the datagram.
func (h UDP) Marshal() []byte {
	b := make([]byte, 8, 8+len(h.Payload))
	binary.BigEndian.PutUint16(b[0:], h.SrcPort)
	binary.BigEndian.PutUint16(b[2:], h.DstPort)
	binary.BigEndian.PutUint16(b[4:], uint16(8+len(h.Payload)))
	return append(b, h.Payload...)
}

// SCTP is an SCTP common header.
type SCTP struct {
	SrcPort, DstPort uint16
	Tag              uint32
	Payload          []byte // the chunks
}

// Marshal returns the packet.
func (h SCTP) Marshal() []byte {
	b := make([]byte, 12, 12+len(h.Payload))
	binary.BigEndian.PutUint16(b[0:], h.SrcPort)
	binary.BigEndian.PutUint16(b[2:], h.DstPort)
	binary.BigEndian.PutUint32(b[4:], h.Tag)
	return append(b, h.Payload...)
}

// ICMP types used by the tests; the header layout is the same for ICMP
// and ICMPv6.
const (
	ICMPEchoReply       uint8 = 0
	ICMPDestUnreach     uint8 = 3
	ICMPEchoRequest     uint8 = 8
	ICMPv6DestUnreach   uint8 = 1
	ICMPv6EchoRequest   uint8 = 128
	ICMPv6EchoReply     uint8 = 129
	ICMPv6RouterSolicit uint8 = 133
	ICMPv6Redirect      uint8 = 137
)

// ICMP is an ICMP or ICMPv6 message. ID and Seq are the echo identifier
// and sequence number, or the unused word of an error, whose Payload is
// the quoted datagram.
type ICMP struct {
	Type, Code uint8
	ID, Seq    uint16
	Payload    []byte
}

// Marshal returns the message.
func (h ICMP) Marshal() []byte {
	b := make([]byte, 8, 8+len(h.Payload))
	b[0], b[1] = h.Type, h.Code
	binary.BigEndian.PutUint16(b[4:], h.ID)
	binary.BigEndian.PutUint16(b[6:], h.Seq)
	return append(b, h.Payload...)
}
