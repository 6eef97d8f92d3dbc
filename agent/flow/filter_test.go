package flow

import (
	"testing"
	"time"
)

func TestFilter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := &Record{
		Time: now, Verdict: VerdictDenied, Protocol: "UDP",
		Source:      Peer{IP: "10.0.0.1", Port: 5353, Identity: 300, Namespace: "shop", Pod: "client"},
		Destination: Peer{IP: "10.0.0.2", Port: 53, Identity: 301, Namespace: "kube-system", Pod: "dns"},
	}
	for _, tc := range []struct {
		f    Filter
		want bool
	}{
		{Filter{}, true},
		{Filter{Verdict: "denied"}, true},
		{Filter{Verdict: "ALLOWED"}, false},
		{Filter{Protocol: "udp"}, true},
		{Filter{Protocol: "17"}, true},
		{Filter{Protocol: "TCP"}, false},
		{Filter{Port: 53}, true},
		{Filter{Port: 5353}, true},
		{Filter{Port: 80}, false},
		{Filter{Identity: 301}, true},
		{Filter{Identity: 302}, false},
		{Filter{Namespace: "kube-system"}, true},
		{Filter{Namespace: "other"}, false},
		{Filter{FromPod: "shop/client"}, true},
		{Filter{FromPod: "kube-system/dns"}, false},
		{Filter{ToPod: "kube-system/dns"}, true},
		{Filter{ToPod: "shop/client"}, false},
		{Filter{Pod: "kube-system/dns"}, true},
		{Filter{Pod: "shop/dns"}, false},
		{Filter{Since: now}, true},
		{Filter{Since: now.Add(time.Nanosecond)}, false},
		{Filter{FromPod: "shop/client", ToPod: "kube-system/dns", Verdict: "DENIED", Protocol: "UDP", Port: 53}, true},
		{Filter{FromPod: "shop/client", Port: 80}, false},
	} {
		f := tc.f
		if err := f.Normalize(); err != nil {
			t.Fatalf("Normalize(%+v): %v", tc.f, err)
		}
		if got := f.Match(r); got != tc.want {
			t.Errorf("%+v: Match = %v, want %v", tc.f, got, tc.want)
		}
	}
	for _, bad := range []Filter{
		{Verdict: "DROPPED"}, {Protocol: "tcpx"}, {FromPod: "web"}, {ToPod: "a/b/c"}, {Pod: "/x"},
	} {
		if err := bad.Normalize(); err == nil {
			t.Errorf("Normalize(%+v) succeeded", bad)
		}
	}
}
