package policy

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSplitRange(t *testing.T) {
	tests := []struct {
		lo, hi uint16
		want   []portMatch
	}{
		{80, 80, []portMatch{{protoTCP, 80, 16}}},
		{80, 81, []portMatch{{protoTCP, 80, 15}}},
		{81, 82, []portMatch{{protoTCP, 81, 16}, {protoTCP, 82, 16}}},
		{0, 65535, []portMatch{{protoTCP, 0, 0}}},
		{1, 65535, []portMatch{
			{protoTCP, 1, 16}, {protoTCP, 2, 15}, {protoTCP, 4, 14}, {protoTCP, 8, 13},
			{protoTCP, 16, 12}, {protoTCP, 32, 11}, {protoTCP, 64, 10}, {protoTCP, 128, 9},
			{protoTCP, 256, 8}, {protoTCP, 512, 7}, {protoTCP, 1024, 6}, {protoTCP, 2048, 5},
			{protoTCP, 4096, 4}, {protoTCP, 8192, 3}, {protoTCP, 16384, 2}, {protoTCP, 32768, 1},
		}},
		{1000, 2000, []portMatch{
			{protoTCP, 1000, 13}, {protoTCP, 1008, 12}, {protoTCP, 1024, 7}, {protoTCP, 1536, 8},
			{protoTCP, 1792, 9}, {protoTCP, 1920, 10}, {protoTCP, 1984, 12}, {protoTCP, 2000, 16},
		}},
		{65535, 65535, []portMatch{{protoTCP, 65535, 16}}},
	}
	for _, tt := range tests {
		if got := splitRange(protoTCP, tt.lo, tt.hi); !slices.Equal(got, tt.want) {
			t.Errorf("splitRange(%d, %d) = %v, want %v", tt.lo, tt.hi, got, tt.want)
		}
	}
}

// TestSplitRangeProperties checks random ranges: the blocks are aligned,
// tile [lo, hi] exactly in order, and none could be doubled, which is what
// makes the greedy split minimal.
func TestSplitRangeProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		lo, hi := uint16(r.UintN(65536)), uint16(r.UintN(65536))
		if lo > hi {
			lo, hi = hi, lo
		}
		next := uint32(lo)
		for _, m := range splitRange(protoUDP, lo, hi) {
			size := uint32(1) << (16 - m.prefix)
			start := uint32(m.port)
			if m.proto != protoUDP || start != next || start%size != 0 || start+size-1 > uint32(hi) {
				t.Fatalf("splitRange(%d, %d): bad block %+v after %d", lo, hi, m, next)
			}
			if size < 1<<16 && start%(2*size) == 0 && start+2*size-1 <= uint32(hi) {
				t.Fatalf("splitRange(%d, %d): block %+v could be doubled", lo, hi, m)
			}
			next = start + size
		}
		if next != uint32(hi)+1 {
			t.Fatalf("splitRange(%d, %d) ends at %d", lo, hi, next-1)
		}
	}
}

// TestCompilePortRanges evaluates every port of every protocol against a
// brute-force reading of the policy.
func TestCompilePortRanges(t *testing.T) {
	c := newCluster()
	in := c.input(policy(t, `
metadata: {name: ranges, namespace: x}
spec:
  podSelector: {}
  ingress:
  - ports:
    - {port: 80, endPort: 81}
    - {port: 1000, endPort: 2000}
    - {protocol: UDP, port: 53}
    - {protocol: SCTP}
    - {protocol: UDP, port: 65000, endPort: 65535}
`))
	ep := c.compile(t, in, "x/a")
	want := func(protocol uint8, port int) bool {
		switch protocol {
		case protoTCP:
			return port == 80 || port == 81 || (port >= 1000 && port <= 2000)
		case protoUDP:
			return port == 53 || port >= 65000
		case protoSCTP:
			return true
		}
		return false
	}
	peer := c.ids["y/b"]
	for _, protocol := range []uint8{protoTCP, protoUDP, protoSCTP} {
		for port := range 65536 {
			v := Evaluate(ep, Ingress, peer, protocol, uint16(port)).Verdict
			if (v == Allow) != want(protocol, port) {
				t.Fatalf("protocol %d port %d: %v", protocol, port, v)
			}
		}
	}
	if v := Evaluate(ep, Ingress, peer, 1, 0).Verdict; v != Deny {
		t.Errorf("ICMP: %v, want deny", v)
	}
	// 80-81 is one /15 entry, 1000-2000 the eight of TestSplitRange.
	var tcp []Entry
	for _, e := range ep.Entries {
		if e.Protocol == protoTCP {
			tcp = append(tcp, e)
		}
	}
	if len(tcp) != 9 || tcp[0].Port != 80 || tcp[0].PortPrefix != 15 {
		t.Errorf("TCP entries = %+v, want 80/15 and eight for 1000-2000", tcp)
	}
}
