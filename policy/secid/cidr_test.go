package secid

import (
	"net/netip"
	"slices"
	"testing"
)

func TestCIDRSet(t *testing.T) {
	s := NewCIDRSet([]netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("10.1.2.3/16"), // masked to 10.1.0.0/16
		netip.MustParsePrefix("10.1.0.0/16"),
		netip.MustParsePrefix("10.1.5.0/24"),
		netip.MustParsePrefix("0.0.0.0/0"),
		netip.MustParsePrefix("fd00::/8"),
		netip.MustParsePrefix("fd00:1::/64"),
		netip.MustParsePrefix("::/0"),
	})
	want := []string{"0.0.0.0/0", "10.0.0.0/8", "10.1.0.0/16", "10.1.5.0/24", "::/0", "fd00::/8", "fd00:1::/64"}
	var got []string
	for _, p := range s.Members() {
		got = append(got, p.String())
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Members = %v, want %v", got, want)
	}
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"10.1.5.7/32", []string{"0.0.0.0/0", "10.0.0.0/8", "10.1.0.0/16", "10.1.5.0/24"}},
		{"10.2.0.1/32", []string{"0.0.0.0/0", "10.0.0.0/8"}},
		{"192.0.2.1/32", []string{"0.0.0.0/0"}},
		{"10.1.0.0/16", []string{"0.0.0.0/0", "10.0.0.0/8", "10.1.0.0/16"}}, // a member is in itself
		{"10.0.0.0/7", []string{"0.0.0.0/0"}},                               // wider than 10/8
		{"fd00:1::5/128", []string{"::/0", "fd00::/8", "fd00:1::/64"}},
		{"2001:db8::1/128", []string{"::/0"}},
	} {
		if got := s.Containing(netip.MustParsePrefix(tc.in)); !slices.Equal(got, tc.want) {
			t.Errorf("Containing(%s) = %v, want %v", tc.in, got, tc.want)
		}
	}
	if l := s.Labels(netip.MustParsePrefix("10.1.0.0/16")); !l.IsCIDR() || !l.InCIDR("10.0.0.0/8") || l.InCIDR("10.1.5.0/24") {
		t.Errorf("Labels(10.1.0.0/16) = %+v", l)
	}

	// Without IPv6 members, IPv6 addresses are in nothing.
	v4 := NewCIDRSet([]netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")})
	if got := v4.Containing(netip.MustParsePrefix("fd00::1/128")); got != nil {
		t.Errorf("IPv6 address in an IPv4-only set: %v", got)
	}
}

// TestLabelsKeyIdentityParts checks that service accounts and CIDR
// memberships tell label sets apart, and that pods and CIDRs never collide.
func TestLabelsKeyIdentityParts(t *testing.T) {
	base := Labels{Namespace: "x", Pod: map[string]string{"app": "a"}, ServiceAccount: "default"}
	other := base
	other.ServiceAccount = "admin"
	inNet := base
	inNet.CIDRs = []string{"10.0.0.0/8"}
	cidr := Labels{CIDRs: []string{"10.0.0.0/8"}}
	keys := map[string]bool{}
	for _, l := range []Labels{base, other, inNet, cidr} {
		keys[l.Key()] = true
	}
	if len(keys) != 4 {
		t.Errorf("keys %v: want four distinct", keys)
	}
	if base.IsCIDR() || !cidr.IsCIDR() {
		t.Error("IsCIDR: a pod is not a CIDR identity, a label set without namespace is")
	}
}
