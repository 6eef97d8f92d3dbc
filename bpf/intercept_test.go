package bpf_test

import (
	"net/netip"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/maps/endpointmap"
	"github.com/zeta-net/zeta/bpf/maps/interceptmap"
	"github.com/zeta-net/zeta/bpf/maps/ipcache"
	"github.com/zeta-net/zeta/bpf/pkttest"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/secid"
	"github.com/zeta-net/zeta/tests/netnstest"
)

// Addresses of the node itself, which the ipcache gives reserved:host.
var (
	host4 = netip.MustParseAddr("192.168.100.1")
	host6 = netip.MustParseAddr("fd00:ff::1")
)

// intercept makes addr:port require the proxy on proxyPort.
func (d *datapath) intercept(addr netip.Addr, port, proxyPort uint16) {
	d.t.Helper()
	k, v := interceptmap.KeyOf(interceptmap.Entry{Addr: addr, Protocol: pkttest.ProtoTCP, Port: port,
		PortPrefix: 16, ProxyPort: proxyPort, Flags: interceptmap.MutualTLS})
	if err := interceptmap.New(d.objs.Intercept).Update(k, v); err != nil {
		d.t.Fatal(err)
	}
}

// runMarked runs frame through zeta_to_pod with skb->mark set.
func (d *datapath) runMarked(frame []byte, mark uint32) result {
	d.t.Helper()
	code, err := d.objs.ToPod.Run(&ebpf.RunOptions{Data: frame, Context: &skbContext{Mark: mark, Ifindex: d.ifindex}})
	if err != nil {
		d.t.Fatalf("run ingress program: %v", err)
	}
	r := d.collect()
	r.code = code
	return r
}

// TestPrivilegedProxyBypass: at a pod port that requires the proxy (a
// redirect entry in the pod's ingress policy and an intercept entry), a
// new TCP connection from anywhere but the node or a socket the proxy
// marked is dropped as proxy_bypass; audit mode lets it through as an
// audit. What no proxy carries (UDP) and redirects without an intercept
// entry (no proxy runs) pass as redirected, and so do connections that
// were established before the port required the proxy.
func TestPrivilegedProxyBypass(t *testing.T) {
	const rule = 26
	for _, tc := range []struct {
		name  string
		flags endpointmap.Flags
		plain policy.Verdict // of a plaintext connection from a pod
	}{
		{"enforced", endpointmap.EnforceIngress, policy.Deny},
		{"audit mode", endpointmap.EnforceIngress | endpointmap.AuditIngress, policy.Audit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := newDatapath(t, tc.flags)
			ipc := ipcache.New(d.objs.IPCache4, d.objs.IPCache6)
			for _, h := range []netip.Addr{host4, host6} {
				if err := ipc.Upsert(netip.PrefixFrom(h, h.BitLen()), uint32(secid.Host)); err != nil {
					t.Fatal(err)
				}
			}
			d.entry(redirect(secid.Any, ipTCP, 80, 16, 15008, rule))
			d.entry(redirect(secid.Any, ipTCP, 443, 16, 15008, rule+1))
			d.entry(redirect(peerID, ipUDP, 53, 16, 15008, rule+2))
			d.entry(ent(secid.Host, ipTCP, 80, 16, policy.Allow, 9))
			for _, fam := range []struct{ pod, peer, host netip.Addr }{{pod4, peer4, host4}, {pod6, peer6, host6}} {
				d.intercept(fam.pod, 80, 15008)
				d.intercept(fam.pod, 53, 15008) // a TCP entry: UDP to 53 is not intercepted

				d.expectNew(policy.Ingress, tcp(fam.peer, fam.pod, 40000, 80, pkttest.SYN),
					judged{verdict: tc.plain, reason: bpf.ReasonProxyBypass, peer: peerID, rule: rule})
				// A mid-stream packet without conntrack is a new connection too.
				d.expectNew(policy.Ingress, tcp(fam.peer, fam.pod, 40001, 80, pkttest.ACK),
					judged{verdict: tc.plain, reason: bpf.ReasonProxyBypass, peer: peerID, rule: rule})
				// The node's proxy connects from the node.
				d.expectNew(policy.Ingress, tcp(fam.host, fam.pod, 40002, 80, pkttest.SYN),
					judged{verdict: policy.Redirect, peer: secid.Host, rule: rule})
				d.expectNew(policy.Ingress, udp(fam.peer, fam.pod, 40003, 53),
					judged{verdict: policy.Redirect, peer: peerID, rule: rule + 2})
				d.expectNew(policy.Ingress, tcp(fam.peer, fam.pod, 40004, 443, pkttest.SYN),
					judged{verdict: policy.Redirect, peer: peerID, rule: rule + 1})

				// A proxy that keeps the client's address marks its socket.
				syn := tcp(fam.peer, fam.pod, 40005, 80, pkttest.SYN)
				r := d.runMarked(syn.frame(), interceptmap.MarkFromProxy)
				if r.code != tcxNext {
					t.Errorf("marked by the proxy: code %#x, want TCX_NEXT", r.code)
				}
				expectEvents(t, r.events, d.flowEvent(policy.Ingress, syn, len(syn.frame()),
					judged{verdict: policy.Redirect, peer: peerID, rule: rule}))
				// Another mark is no proof.
				syn.sport = 40006
				r = d.runMarked(syn.frame(), interceptmap.MarkToProxy)
				expectEvents(t, r.events, d.flowEvent(policy.Ingress, syn, len(syn.frame()),
					judged{verdict: tc.plain, reason: bpf.ReasonProxyBypass, peer: peerID, rule: rule}))

				// Established before the port required the proxy: unaffected.
				old := tcp(fam.peer, fam.pod, 40007, 8080, pkttest.SYN)
				d.entry(redirect(secid.Any, ipTCP, 8080, 16, 15008, rule+3))
				d.expectNew(policy.Ingress, old, judged{verdict: policy.Redirect, peer: peerID, rule: rule + 3})
				d.intercept(fam.pod, 8080, 15008)
				d.expectPass(policy.Egress, old.reply(pkttest.SYN|pkttest.ACK).frame())
				ack := old
				ack.tcpFlags = pkttest.ACK
				d.expectPass(policy.Ingress, ack.frame())
			}
		})
	}
}

// TestPrivilegedProxyUnavailable: a pod's new TCP connection to a
// destination that requires the proxy, when no proxy listens in the
// node's network namespace, is dropped at the source as
// proxy_unavailable; other ports and protocols are not intercepted. It
// runs in a fresh namespace, where nothing listens.
func TestPrivilegedProxyUnavailable(t *testing.T) {
	netnstest.Enter(t)
	d := newDatapath(t, endpointmap.EnforceEgress)
	d.entry(policy.Entry{Direction: policy.Egress, Identity: peerID, Verdict: policy.Allow, Rule: 31})
	for _, fam := range []struct{ pod, peer netip.Addr }{{pod4, peer4}, {pod6, peer6}} {
		d.intercept(fam.peer, 80, 15008)
		d.expectNew(policy.Egress, tcp(fam.pod, fam.peer, 40000, 80, pkttest.SYN),
			judged{verdict: policy.Deny, reason: bpf.ReasonProxyUnavailable, peer: peerID, rule: 31})
		d.expectNew(policy.Egress, tcp(fam.pod, fam.peer, 40001, 81, pkttest.SYN),
			judged{verdict: policy.Allow, peer: peerID, rule: 31})
		d.expectNew(policy.Egress, udp(fam.pod, fam.peer, 40002, 80),
			judged{verdict: policy.Allow, peer: peerID, rule: 31})
		// The source's own policy comes first.
		d.expectNew(policy.Egress, tcp(fam.pod, fam.peer, 40003, 80, pkttest.SYN|pkttest.ACK),
			judged{verdict: policy.Allow, peer: peerID, rule: 31})
	}
	d.expectNew(policy.Egress, tcp(pod4, world4, 40004, 80, pkttest.SYN),
		judged{verdict: policy.Deny, reason: bpf.ReasonPolicyDefault, peer: secid.World})
}

// TestInterceptEnums checks the Go copies of enum zeta_mark and enum
// intercept_flag against the object's BTF.
func TestInterceptEnums(t *testing.T) {
	spec, err := bpf.Spec()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]map[string]uint64{
		"zeta_mark": {
			"ZETA_MARK_MASK":       interceptmap.MarkMask,
			"ZETA_MARK_TO_PROXY":   interceptmap.MarkToProxy,
			"ZETA_MARK_FROM_PROXY": interceptmap.MarkFromProxy,
		},
		"intercept_flag": {
			"INTERCEPT_F_MUTUAL_TLS": uint64(interceptmap.MutualTLS),
			"INTERCEPT_F_L7":         uint64(interceptmap.L7),
		},
	} {
		var e *btf.Enum
		if err := spec.Types.TypeByName(name, &e); err != nil {
			t.Fatalf("enum %s not in BTF: %v", name, err)
		}
		if len(e.Values) != len(want) {
			t.Errorf("enum %s has %d values, Go %d", name, len(e.Values), len(want))
		}
		for _, v := range e.Values {
			if w, ok := want[v.Name]; !ok || w != v.Value {
				t.Errorf("%s = %#x, Go has %#x", v.Name, v.Value, w)
			}
		}
	}
}
