package policy

import (
	"slices"
	"testing"

	"github.com/zeta-net/zeta/policy/secid"
)

// TestIntercepts: only ingress redirects of TCP (or of every protocol)
// count; the proxies asked for at a prefix and at the prefixes covering it
// merge, and the L7 proxy takes what it shares with the mutual TLS one.
func TestIntercepts(t *testing.T) {
	c := NewCompiler(Options{})
	const (
		mtls = DefaultMutualTLSProxyPort
		l7   = DefaultL7ProxyPort
	)
	redirect := func(dir Direction, id secid.ID, proto uint8, port uint16, prefix uint8, proxy uint16) Entry {
		return Entry{Direction: dir, Identity: id, Protocol: proto, Port: port, PortPrefix: prefix, Verdict: Redirect, ProxyPort: proxy}
	}
	for _, tc := range []struct {
		name    string
		entries []Entry
		want    []Intercept
	}{
		{"nothing redirected", []Entry{
			{Direction: Ingress, Identity: 300, Protocol: protoTCP, Port: 80, PortPrefix: 16, Verdict: Allow},
			redirect(Egress, 300, protoTCP, 80, 16, mtls),
			redirect(Ingress, 300, protoUDP, 53, 16, mtls),
		}, []Intercept{}},
		{"one port", []Entry{redirect(Ingress, 300, protoTCP, 8443, 16, mtls)},
			[]Intercept{{Port: 8443, PortPrefix: 16, ProxyPort: mtls, MutualTLS: true}}},
		{"a range keeps its prefix, and its port is masked", []Entry{redirect(Ingress, secid.Any, protoTCP, 9001, 14, mtls)},
			[]Intercept{{Port: 9000, PortPrefix: 14, ProxyPort: mtls, MutualTLS: true}}},
		{"every protocol is every TCP port", []Entry{redirect(Ingress, secid.Any, 0, 0, 0, l7)},
			[]Intercept{{ProxyPort: l7, L7: true}}},
		{"two peers, two proxies at one port: L7", []Entry{
			redirect(Ingress, 300, protoTCP, 80, 16, mtls),
			redirect(Ingress, 301, protoTCP, 80, 16, l7),
		}, []Intercept{{Port: 80, PortPrefix: 16, ProxyPort: l7, MutualTLS: true, L7: true}}},
		{"a covering L7 range wins inside it only", []Entry{
			redirect(Ingress, 300, protoTCP, 64, 10, l7),
			redirect(Ingress, 301, protoTCP, 80, 16, mtls),
			redirect(Ingress, 301, protoTCP, 443, 16, mtls),
		}, []Intercept{
			{Port: 64, PortPrefix: 10, ProxyPort: l7, L7: true},
			{Port: 80, PortPrefix: 16, ProxyPort: l7, MutualTLS: true, L7: true},
			{Port: 443, PortPrefix: 16, ProxyPort: mtls, MutualTLS: true},
		}},
		{"a covering mutual TLS range leaves a narrower L7 port to L7", []Entry{
			redirect(Ingress, 300, 0, 0, 0, mtls),
			redirect(Ingress, 301, protoTCP, 8080, 16, l7),
		}, []Intercept{
			{ProxyPort: mtls, MutualTLS: true},
			{Port: 8080, PortPrefix: 16, ProxyPort: l7, MutualTLS: true, L7: true},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.Intercepts(EndpointPolicy{Entries: tc.entries}); !slices.Equal(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}
