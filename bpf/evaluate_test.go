package bpf_test

import (
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/maps/endpointmap"
	"github.com/zeta-net/zeta/bpf/maps/ipcache"
	"github.com/zeta-net/zeta/bpf/pkttest"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/secid"
)

// TestPrivilegedEvaluateAgrees checks policy.Evaluate, the Go model of
// the datapath, against the kernel on random normalised entry sets of
// every verdict, redirects to two proxies among them: for each new
// connection the kernel's verdict and rule (and so the entry and its
// proxy) must be Evaluate's.
func TestPrivilegedEvaluateAgrees(t *testing.T) {
	both(t, func(t *testing.T, dir policy.Direction) {
		r := rand.New(rand.NewPCG(5, uint64(dir)))
		d := newDatapath(t, 0)
		eps := endpointmap.New(d.objs.Endpoints)
		ids := []secid.ID{secid.Any, peerID, netID, secid.World}
		protos := []uint8{0, ipTCP, ipUDP, ipSCTP}
		verdicts := []policy.Verdict{policy.Allow, policy.Deny, policy.Audit, policy.Redirect, policy.Redirect}
		ports := []uint16{1, 53, 79, 80, 81, 443, 1024, 1536, 65535}
		for round := range 12 {
			var entries []policy.Entry
			for i := range 1 + r.IntN(16) {
				e := policy.Entry{
					Direction:  dir,
					Identity:   ids[r.IntN(len(ids))],
					Protocol:   protos[r.IntN(len(protos))],
					Port:       ports[r.IntN(len(ports))],
					PortPrefix: []uint8{0, 6, 12, 15, 16}[r.IntN(5)],
					Verdict:    verdicts[r.IntN(len(verdicts))],
					Rule:       policy.RuleID(i + 1),
				}
				if e.Verdict == policy.Redirect {
					e.ProxyPort = []uint16{15001, 15008}[r.IntN(2)]
				}
				entries = append(entries, e)
			}
			ep := policy.EndpointPolicy{Entries: policy.Normalize(entries)}
			var flags endpointmap.Flags
			if round%2 == 1 {
				ep.EnforceIngress, ep.EnforceEgress = true, true
				flags = endpointmap.EnforceIngress | endpointmap.EnforceEgress
			}
			if err := eps.Upsert(d.ifindex, endpointmap.Info{ID: epID, Identity: uint32(podID), Flags: flags}); err != nil {
				t.Fatal(err)
			}
			for _, e := range ep.Entries {
				d.entry(e)
			}
			byRule := map[policy.RuleID]policy.Entry{}
			for _, e := range ep.Entries {
				byRule[e.Rule] = e
			}
			for _, role := range []peerRole{peerExact, peerInNet, peerWorld} {
				for _, proto := range []uint8{ipTCP, ipUDP, ipSCTP, ipGRE} {
					for _, port := range ports {
						p := packet{src: pod4, dst: role.addr(r.IntN(2) == 1), proto: proto, sport: 40000, dport: port}
						if proto == ipTCP {
							p.tcpFlags = pkttest.SYN
						}
						if !p.hasPorts() {
							p.sport, p.dport = 0, 0
						}
						if p.dst.Is6() {
							p.src = pod6
						}
						// Every probe is a new connection.
						if _, err := d.ct.GC(^uint64(0)); err != nil {
							t.Fatal(err)
						}
						want := policy.Evaluate(ep, dir, role.identity(), proto, p.dport)
						res := d.send(dir, initiated(dir, p).frame())
						if len(res.events) != 1 {
							t.Fatalf("round %d: %d events for %+v", round, len(res.events), p)
						}
						ev := res.events[0]
						got := policy.Decision{Verdict: ev.Verdict, Rule: policy.RuleID(ev.Rule), ProxyPort: byRule[policy.RuleID(ev.Rule)].ProxyPort}
						if got != want || (res.code == tcxDrop) != (want.Verdict == policy.Deny) {
							t.Fatalf("round %d, %v %d/%d: kernel %+v (code %#x), Evaluate %+v\nentries %+v", round, role.identity(), proto, p.dport, got, res.code, want, ep.Entries)
						}
					}
				}
			}
			for _, e := range ep.Entries {
				d.remove(e)
			}
		}
	})
}

// TestPrivilegedCIDRIdentityDefaultRoute: a policy naming 0.0.0.0/0 gets
// a CIDR identity installed as that prefix; it then names every IPv4
// address no longer prefix covers, while IPv6 addresses stay the world.
func TestPrivilegedCIDRIdentityDefaultRoute(t *testing.T) {
	const cidrID secid.ID = 4000
	both(t, func(t *testing.T, dir policy.Direction) {
		d := newDatapath(t, flagsFor(dir).enforce)
		if err := ipcache.New(d.objs.IPCache4, d.objs.IPCache6).Upsert(netip.MustParsePrefix("0.0.0.0/0"), uint32(cidrID)); err != nil {
			t.Fatal(err)
		}
		d.entry(policy.Entry{Direction: dir, Identity: cidrID, Verdict: policy.Allow, Rule: 30})
		d.expectNew(dir, initiated(dir, tcp(pod4, world4, 40000, 80, pkttest.SYN)), judged{verdict: policy.Allow, peer: cidrID, rule: 30})
		d.expectNew(dir, initiated(dir, tcp(pod4, peer4, 40000, 80, pkttest.SYN)),
			judged{verdict: policy.Deny, reason: bpf.ReasonPolicyDefault, peer: peerID})
		d.expectNew(dir, initiated(dir, tcp(pod6, world6, 40000, 80, pkttest.SYN)),
			judged{verdict: policy.Deny, reason: bpf.ReasonPolicyDefault, peer: secid.World})
	})
}
