package inspect

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/maps/ctmap"
	"github.com/zeta-net/zeta/policy"
)

func ctKey(src, dst string, sport, dport uint16, proto, flags uint8) ctmap.Key {
	family, s := bpf.RawAddr(netip.MustParseAddr(src))
	_, d := bpf.RawAddr(netip.MustParseAddr(dst))
	return ctmap.Key{SrcAddr: s, DstAddr: d, SrcPortNet: bpf.Ntohs(sport), DstPortNet: bpf.Ntohs(dport), Protocol: proto, Family: family, Flags: flags}
}

func TestConnection(t *testing.T) {
	now := uint64(1000 * time.Second)
	tcp := ctKey("10.0.0.1", "10.0.0.2", 40000, 80, bpf.ProtoTCP, ctmap.FlagEgress)
	udp := ctKey("fd00::1", "fd00::2", 5353, 53, bpf.ProtoUDP, ctmap.FlagIngress)
	icmp := ctKey("10.0.0.1", "10.0.0.2", 7, 0, bpf.ProtoICMP, ctmap.FlagEgress)
	l := ConnectionList{
		newConnection(tcp, ctmap.Entry{
			Expires: now + uint64(42*time.Second) + 5, Endpoint: 3, Verdict: uint8(policy.Allow),
			FwdPackets: 3, FwdBytes: 180, RevPackets: 2, RevBytes: 120, FwdTCPFlags: 0x02, RevTCPFlags: 0x12,
		}, now),
		newConnection(udp, ctmap.Entry{Expires: now - uint64(time.Second), Endpoint: 4, Verdict: uint8(policy.Audit)}, now),
		newConnection(icmp, ctmap.Entry{Expires: now + uint64(time.Second), Endpoint: 3, Verdict: uint8(policy.Allow)}, now),
	}
	if c := l[0]; c.ExpiresIn != 42 || c.Expired || c.Source.String() != "10.0.0.1:40000" || c.Direction != "egress" || c.RevTCPFlags != "SYN,ACK" {
		t.Errorf("tcp connection: %+v", c)
	}
	if c := l[1]; !c.Expired || c.ExpiresIn != -1 || c.Destination.String() != "[fd00::2]:53" || c.Direction != "ingress" || c.Verdict != "audit" {
		t.Errorf("udp connection: %+v", c)
	}
	if c := l[2]; c.Source.Port != 0 || c.Source.String() != "10.0.0.1" {
		t.Errorf("icmp connection has ports: %+v", c)
	}

	var b bytes.Buffer
	if err := NewPrinter(&b, FormatTable).Print(l); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"10.0.0.1:40000  ->  10.0.0.2:80",
		"3 / 2",
		"SYN / SYN,ACK",
		"42s",
		"expired",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestCTFilter(t *testing.T) {
	k := ctKey("10.0.0.1", "10.0.0.2", 40000, 80, bpf.ProtoTCP, ctmap.FlagEgress)
	e := ctmap.Entry{Endpoint: 3}
	for _, tc := range []struct {
		f    CTFilter
		want bool
	}{
		{CTFilter{}, true},
		{CTFilter{Endpoint: 3}, true},
		{CTFilter{Endpoint: 4}, false},
		{CTFilter{Protocol: bpf.ProtoTCP, Port: 80}, true},
		{CTFilter{Port: 40000}, true},
		{CTFilter{Port: 443}, false},
		{CTFilter{Protocol: bpf.ProtoUDP}, false},
	} {
		if got := tc.f.matches(k, e); got != tc.want {
			t.Errorf("%+v: matches = %v, want %v", tc.f, got, tc.want)
		}
	}
}
