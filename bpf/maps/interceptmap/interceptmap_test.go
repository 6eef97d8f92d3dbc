package interceptmap

import (
	"net/netip"
	"testing"

	"github.com/zeta-net/zeta/bpf"
)

// TestKeyRoundTrip: an entry survives encoding, with the port bits below
// its prefix cleared, in both families.
func TestKeyRoundTrip(t *testing.T) {
	for _, tc := range []struct{ in, want Entry }{
		{
			Entry{Addr: netip.MustParseAddr("10.0.1.5"), Protocol: bpf.ProtoTCP, Port: 80, PortPrefix: 16, ProxyPort: 15008, Flags: MutualTLS},
			Entry{Addr: netip.MustParseAddr("10.0.1.5"), Protocol: bpf.ProtoTCP, Port: 80, PortPrefix: 16, ProxyPort: 15008, Flags: MutualTLS},
		},
		{
			Entry{Addr: netip.MustParseAddr("fd00::5"), Protocol: bpf.ProtoTCP, Port: 9003, PortPrefix: 14, ProxyPort: 15001, Flags: L7 | MutualTLS},
			Entry{Addr: netip.MustParseAddr("fd00::5"), Protocol: bpf.ProtoTCP, Port: 9000, PortPrefix: 14, ProxyPort: 15001, Flags: L7 | MutualTLS},
		},
		{
			Entry{Addr: netip.MustParseAddr("10.0.1.5"), Protocol: bpf.ProtoTCP, Port: 443, ProxyPort: 15008},
			Entry{Addr: netip.MustParseAddr("10.0.1.5"), Protocol: bpf.ProtoTCP, ProxyPort: 15008},
		},
	} {
		k, v := KeyOf(tc.in)
		if got := k.Entry(v); got != tc.want {
			t.Errorf("%+v came back as %+v, want %+v", tc.in, got, tc.want)
		}
		if k.PrefixLen != prefixAnyPort+uint32(tc.in.PortPrefix) {
			t.Errorf("%+v: prefix length %d", tc.in, k.PrefixLen)
		}
	}
}
