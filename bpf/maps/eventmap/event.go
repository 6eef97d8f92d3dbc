package eventmap

import (
	"fmt"
	"net/netip"
	"unsafe"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/policy"
)

// Event mirrors struct flow_event.
type Event struct {
	Timestamp   uint64 // CLOCK_MONOTONIC nanoseconds
	SrcAddr     [16]byte
	DstAddr     [16]byte
	SrcPortNet  uint16
	DstPortNet  uint16
	Endpoint    uint32
	SrcIdentity uint32
	DstIdentity uint32
	Rule        uint32
	Ifindex     uint32
	Len         uint32
	Family      uint8
	Protocol    uint8
	Direction   policy.Direction
	Verdict     policy.Verdict
	Reason      bpf.Reason
	TCPFlags    uint8
	ICMPType    uint8
	ICMPCode    uint8
}

// EventSize is the size of one ring buffer record.
const EventSize = int(unsafe.Sizeof(Event{}))

// Decode reads one record. The ring buffer hands out records of the size
// the kernel reserved; anything else is a datapath/agent version mismatch.
func Decode(raw []byte, ev *Event) error {
	if len(raw) < EventSize {
		return fmt.Errorf("decode flow event: %d bytes, want %d", len(raw), EventSize)
	}
	// TestLayout pins Event to struct flow_event, so the record can be
	// copied as is: the hot path of the flow pipeline does no reflection.
	*ev = *(*Event)(unsafe.Pointer(&raw[0])) //nolint:gosec // layout checked against BTF
	return nil
}

// Src returns the packet's source address.
func (e *Event) Src() netip.Addr { return bpf.Addr(e.Family, e.SrcAddr) }

// Dst returns the packet's destination address.
func (e *Event) Dst() netip.Addr { return bpf.Addr(e.Family, e.DstAddr) }

// SrcPort returns the source port (or ICMP echo identifier) in host order.
func (e *Event) SrcPort() uint16 { return bpf.Ntohs(e.SrcPortNet) }

// DstPort returns the destination port in host order.
func (e *Event) DstPort() uint16 { return bpf.Ntohs(e.DstPortNet) }
