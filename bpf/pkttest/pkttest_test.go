package pkttest

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"
)

var (
	a4 = netip.MustParseAddr("10.0.0.1")
	b4 = netip.MustParseAddr("10.0.0.2")
	a6 = netip.MustParseAddr("fd00::1")
	b6 = netip.MustParseAddr("fd00::2")
)

func TestIPv4(t *testing.T) {
	f := IPv4{Src: a4, Dst: b4, Protocol: ProtoUDP, ID: 7, MoreFragments: true, FragOffset: 3,
		Options: []byte{1, 1, 1}}.Frame(UDP{SrcPort: 1, DstPort: 2}.Marshal())
	if got := binary.BigEndian.Uint16(f[12:]); got != EtherTypeIPv4 {
		t.Fatalf("ethertype %#x", got)
	}
	ip := f[EtherLen:]
	if ip[0] != 0x46 {
		t.Errorf("version/ihl %#x, want 0x46", ip[0])
	}
	if got := binary.BigEndian.Uint16(ip[2:]); got != 24+8 {
		t.Errorf("total length %d, want 32", got)
	}
	if got := binary.BigEndian.Uint16(ip[6:]); got != 0x2003 {
		t.Errorf("fragment field %#x, want 0x2003", got)
	}
	if Checksum(ip[:24]) != 0 {
		t.Error("header checksum does not verify")
	}
	if !bytes.Equal(ip[12:20], []byte{10, 0, 0, 1, 10, 0, 0, 2}) {
		t.Errorf("addresses % x", ip[12:20])
	}
	if got := binary.BigEndian.Uint16(ip[24+2:]); got != 2 {
		t.Errorf("UDP destination port %d", got)
	}

	bad := IPv4{Src: a4, Dst: b4, Version: 6, IHL: 4, TotalLen: new(uint16(0))}.Marshal(nil)
	if bad[0] != 0x64 || bad[2] != 0 || bad[3] != 0 {
		t.Errorf("overrides not applied: % x", bad[:4])
	}
}

func TestIPv6Ext(t *testing.T) {
	exts := []Ext{
		{Kind: ProtoHopByHop},
		{Kind: ProtoRouting, Len: 1},
		{Kind: ProtoAH, Len: 1},
		{Kind: ProtoFragment, FragOffset: 5, More: true, ID: 0xdeadbeef},
		{Kind: ProtoDestOpts},
	}
	p := IPv6{Src: a6, Dst: b6, Ext: exts, Protocol: ProtoTCP}.Marshal(TCP{SrcPort: 1, DstPort: 2}.Marshal())
	if p[0]>>4 != 6 || p[6] != ProtoHopByHop {
		t.Fatalf("fixed header % x", p[:8])
	}
	off := 40
	for i, e := range exts {
		want := ProtoTCP
		if i+1 < len(exts) {
			want = exts[i+1].Kind
		}
		if p[off] != want {
			t.Fatalf("header %d: next %d, want %d", i, p[off], want)
		}
		off += e.Size()
	}
	if want := 40 + 8 + 16 + 12 + 8 + 8; off != want {
		t.Fatalf("extension headers end at %d, want %d", off, want)
	}
	frag := p[40+8+16+12:]
	if binary.BigEndian.Uint16(frag[2:]) != 5<<3|1 || binary.BigEndian.Uint32(frag[4:]) != 0xdeadbeef {
		t.Errorf("fragment header % x", frag[:8])
	}
	if got := binary.BigEndian.Uint16(p[4:]); int(got) != len(p)-40 {
		t.Errorf("payload length %d, want %d", got, len(p)-40)
	}
	if got := binary.BigEndian.Uint16(p[off+2:]); got != 2 {
		t.Errorf("TCP destination port %d", got)
	}
}

func TestTCP(t *testing.T) {
	b := TCP{SrcPort: 1, DstPort: 2, Flags: SYN | ACK, DataOffset: 4}.Marshal()
	if b[12] != 0x40 || b[13] != 0x12 {
		t.Errorf("offset/flags % x", b[12:14])
	}
}
