package flow

import (
	"net/netip"
	"testing"
	"time"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/maps/eventmap"
	"github.com/zeta-net/zeta/policy"
)

func TestDecode(t *testing.T) {
	boot := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	_, src := bpf.RawAddr(netip.MustParseAddr("10.0.0.1"))
	_, dst := bpf.RawAddr(netip.MustParseAddr("10.0.0.2"))
	ev := eventmap.Event{
		Timestamp: uint64(time.Second), SrcAddr: src, DstAddr: dst,
		SrcPortNet: bpf.Htons(40000), DstPortNet: bpf.Htons(80),
		SrcIdentity: 256, DstIdentity: 257, Len: 60, Family: bpf.FamilyIPv4, Protocol: bpf.ProtoTCP,
		Direction: policy.Ingress, Verdict: policy.Deny, Reason: bpf.ReasonPolicyDefault, TCPFlags: 0x02,
	}
	r := Decode(&ev, boot)
	want := Record{
		Time: boot.Add(time.Second), Verdict: "DENIED", DropReason: "policy_default_deny", Direction: "ingress",
		IPVersion: 4, Protocol: "TCP", TCPFlags: "SYN", Bytes: 60,
		Source:      Peer{IP: "10.0.0.1", Port: 40000, Identity: 256},
		Destination: Peer{IP: "10.0.0.2", Port: 80, Identity: 257},
	}
	if r.Time != want.Time || r.Verdict != want.Verdict || r.DropReason != want.DropReason ||
		r.Direction != want.Direction || r.IPVersion != 4 || r.Protocol != "TCP" || r.TCPFlags != "SYN" ||
		r.Source.IP != want.Source.IP || r.Source.Port != 40000 || r.Destination.Port != 80 ||
		r.Source.Identity != 256 || r.Destination.Identity != 257 || r.ICMP != nil {
		t.Errorf("Decode = %+v\nwant %+v", r, want)
	}

	_, src6 := bpf.RawAddr(netip.MustParseAddr("fd00::1"))
	icmp := eventmap.Event{SrcAddr: src6, DstAddr: src6, Family: bpf.FamilyIPv6, Protocol: bpf.ProtoICMPv6,
		Verdict: policy.Audit, ICMPType: 128}
	r = Decode(&icmp, boot)
	if r.IPVersion != 6 || r.Verdict != "AUDIT" || r.ICMP == nil || r.ICMP.Type != 128 || r.Source.Port != 0 || r.Source.IP != "fd00::1" {
		t.Errorf("ICMPv6 Decode = %+v", r)
	}

	redirected := ev
	redirected.Verdict, redirected.Reason = policy.Redirect, bpf.ReasonNone
	if r = Decode(&redirected, boot); r.Verdict != "REDIRECTED" || r.DropReason != "" {
		t.Errorf("redirected Decode = %+v, want verdict REDIRECTED and no drop reason", r)
	}
}
