package inspect

import (
	"testing"

	"github.com/zeta-net/zeta/bpf/maps/policymap"
	"github.com/zeta-net/zeta/policy"
)

func TestPortRange(t *testing.T) {
	for _, tc := range []struct {
		port   uint16
		prefix uint8
		want   string
	}{
		{port: 80, prefix: 16, want: "80"},
		{port: 80, prefix: 15, want: "80-81"},
		{port: 81, prefix: 15, want: "80-81"}, // host bits are ignored
		{port: 1024, prefix: 6, want: "1024-2047"},
		{port: 32768, prefix: 1, want: "32768-65535"},
		{port: 0, prefix: 0, want: "any"},
		{port: 65535, prefix: 16, want: "65535"},
		{port: 443, prefix: 20, want: "443"},
	} {
		lo, hi := PortRange(tc.port, tc.prefix)
		if got := formatPorts(lo, hi); got != tc.want {
			t.Errorf("PortRange(%d, %d) = %d-%d, shown %q; want %q", tc.port, tc.prefix, lo, hi, got, tc.want)
		}
	}
}

// TestPortRangeFromKey decodes ranges through the policy map's own key
// encoding, as Policy does.
func TestPortRangeFromKey(t *testing.T) {
	for _, tc := range []struct {
		entry  policy.Entry
		lo, hi uint16
	}{
		{policy.Entry{Protocol: 6, Port: 80, PortPrefix: 16}, 80, 80},
		{policy.Entry{Protocol: 6, Port: 80, PortPrefix: 15}, 80, 81},
		{policy.Entry{Protocol: 17, Port: 8192, PortPrefix: 3}, 8192, 16383},
		{policy.Entry{Protocol: 132}, 0, 65535},
	} {
		k, v := policymap.KeyOf(7, tc.entry)
		e := k.Entry(v)
		lo, hi := PortRange(e.Port, e.PortPrefix)
		if lo != tc.lo || hi != tc.hi {
			t.Errorf("%+v: got %d-%d, want %d-%d", tc.entry, lo, hi, tc.lo, tc.hi)
		}
	}
}
