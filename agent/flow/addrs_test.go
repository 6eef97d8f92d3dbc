package flow

import (
	"net/netip"
	"testing"
)

func TestAddrsBounded(t *testing.T) {
	var a addrs
	ip := netip.MustParseAddr("fd00::1")
	first := a.text(ip)
	if again := a.text(ip); first != "fd00::1" || again != first || len(a.m) != 1 {
		t.Fatalf("cache: %v", a.m)
	}
	for i := range maxAddrs + 1 {
		a.text(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}))
	}
	if len(a.m) > maxAddrs {
		t.Errorf("cache holds %d addresses, more than %d", len(a.m), maxAddrs)
	}
}
