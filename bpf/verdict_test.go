package bpf_test

import (
	"net/netip"
	"testing"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/maps/endpointmap"
	"github.com/zeta-net/zeta/bpf/maps/policymap"
	"github.com/zeta-net/zeta/bpf/pkttest"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/secid"
)

// Endpoint flags for the direction under test (this) and the other one.
type flagSet struct{ enforce, audit, enforceOther endpointmap.Flags }

func flagsFor(dir policy.Direction) flagSet {
	if dir == policy.Egress {
		return flagSet{endpointmap.EnforceEgress, endpointmap.AuditEgress, endpointmap.EnforceIngress}
	}
	return flagSet{endpointmap.EnforceIngress, endpointmap.AuditIngress, endpointmap.EnforceEgress}
}

// peerRole names the remote end of a connection by what the ipcache says
// about it.
type peerRole int

const (
	peerExact peerRole = iota // its own /32 or /128: peerID
	peerInNet                 // only the covering /24 or /64: netID
	peerWorld                 // no prefix: secid.World
)

func (r peerRole) addr(v6 bool) netip.Addr {
	a := [...][2]netip.Addr{peerExact: {peer4, peer6}, peerInNet: {inNet4, inNet6}, peerWorld: {world4, world6}}[r]
	if v6 {
		return a[1]
	}
	return a[0]
}

func (r peerRole) identity() secid.ID {
	return [...]secid.ID{peerExact: peerID, peerInNet: netID, peerWorld: secid.World}[r]
}

// probe is one new connection of a verdict case.
type probe struct {
	peer    peerRole
	proto   uint8
	dport   uint16
	verdict policy.Verdict
	reason  bpf.Reason
	rule    policy.RuleID
}

func (pr probe) packet(dir policy.Direction, v6 bool) packet {
	pod := pod4
	if v6 {
		pod = pod6
	}
	p := packet{src: pod, dst: pr.peer.addr(v6), proto: pr.proto, sport: 40000, dport: pr.dport}
	if p.proto == pkttest.ProtoTCP {
		p.tcpFlags = pkttest.SYN
	}
	if !p.hasPorts() {
		p.sport, p.dport = 0, 0
	}
	return initiated(dir, p)
}

func allowed(peer peerRole, proto uint8, dport uint16, rule policy.RuleID) probe {
	return probe{peer: peer, proto: proto, dport: dport, verdict: policy.Allow, rule: rule}
}

func denied(peer peerRole, proto uint8, dport uint16, reason bpf.Reason, rule policy.RuleID) probe {
	return probe{peer: peer, proto: proto, dport: dport, verdict: policy.Deny, reason: reason, rule: rule}
}

func audited(peer peerRole, proto uint8, dport uint16, reason bpf.Reason, rule policy.RuleID) probe {
	return probe{peer: peer, proto: proto, dport: dport, verdict: policy.Audit, reason: reason, rule: rule}
}

func redirected(peer peerRole, proto uint8, dport uint16, rule policy.RuleID) probe {
	return probe{peer: peer, proto: proto, dport: dport, verdict: policy.Redirect, rule: rule}
}

// Protocols of the verdict table.
const (
	ipTCP  = pkttest.ProtoTCP
	ipUDP  = pkttest.ProtoUDP
	ipSCTP = pkttest.ProtoSCTP
	ipGRE  = pkttest.ProtoGRE
)

// ent is a policy entry whose direction the test fills in.
func ent(id secid.ID, proto uint8, port uint16, prefix uint8, v policy.Verdict, r policy.RuleID) policy.Entry {
	return policy.Entry{Identity: id, Protocol: proto, Port: port, PortPrefix: prefix, Verdict: v, Rule: r}
}

// redirect is a Redirect entry to the proxy on port proxy.
func redirect(id secid.ID, proto uint8, port uint16, prefix uint8, proxy uint16, r policy.RuleID) policy.Entry {
	e := ent(id, proto, port, prefix, policy.Redirect, r)
	e.ProxyPort = proxy
	return e
}

// TestPrivilegedVerdicts runs every verdict path in both directions and
// both families: each probe is the first packet of a new connection, and
// its return code, counter, flow event and conntrack entry are checked.
func TestPrivilegedVerdicts(t *testing.T) {
	const (
		deny  = bpf.ReasonPolicyDeny
		deflt = bpf.ReasonPolicyDefault
	)
	const (
		enforce = 1 << iota
		audit
		enforceOther
	)
	for _, tc := range []struct {
		name    string
		flags   int
		entries []policy.Entry
		other   []policy.Entry // entries of the other direction
		probes  []probe
	}{
		{
			name:   "unenforced allows without entries",
			probes: []probe{allowed(peerExact, ipTCP, 80, 0), allowed(peerWorld, ipUDP, 53, 0)},
		}, {
			name:    "unenforced still applies deny entries",
			entries: []policy.Entry{ent(peerID, ipTCP, 80, 16, policy.Deny, 21)},
			probes:  []probe{denied(peerExact, ipTCP, 80, deny, 21), allowed(peerExact, ipTCP, 81, 0)},
		}, {
			name:   "enforced denies by default",
			flags:  enforce,
			probes: []probe{denied(peerExact, ipTCP, 80, deflt, 0), denied(peerWorld, ipUDP, 53, deflt, 0)},
		}, {
			name:   "enforcing only the other direction allows",
			flags:  enforceOther,
			probes: []probe{allowed(peerExact, ipTCP, 80, 0)},
		}, {
			name:    "allow for the peer identity",
			flags:   enforce,
			entries: []policy.Entry{ent(peerID, ipTCP, 80, 16, policy.Allow, 11)},
			probes: []probe{
				allowed(peerExact, ipTCP, 80, 11),
				denied(peerExact, ipUDP, 80, deflt, 0),
				denied(peerExact, ipTCP, 443, deflt, 0),
				denied(peerInNet, ipTCP, 80, deflt, 0),
			},
		}, {
			name:    "allow for any identity",
			flags:   enforce,
			entries: []policy.Entry{ent(secid.Any, ipTCP, 80, 16, policy.Allow, 12)},
			probes:  []probe{allowed(peerExact, ipTCP, 80, 12), allowed(peerWorld, ipTCP, 80, 12)},
		}, {
			name:  "exact identity wins a tie with any",
			flags: enforce,
			entries: []policy.Entry{
				ent(peerID, ipTCP, 80, 16, policy.Allow, 11),
				ent(secid.Any, ipTCP, 80, 16, policy.Allow, 12),
			},
			probes: []probe{allowed(peerExact, ipTCP, 80, 11), allowed(peerInNet, ipTCP, 80, 12)},
		}, {
			name:  "deny on any beats allow on the identity",
			flags: enforce,
			entries: []policy.Entry{
				ent(peerID, ipTCP, 80, 16, policy.Allow, 11),
				ent(secid.Any, ipTCP, 80, 16, policy.Deny, 13),
			},
			probes: []probe{denied(peerExact, ipTCP, 80, deny, 13)},
		}, {
			name:  "deny on the identity beats allow on any",
			flags: enforce,
			entries: []policy.Entry{
				ent(peerID, ipTCP, 80, 16, policy.Deny, 14),
				ent(secid.Any, ipTCP, 80, 16, policy.Allow, 12),
			},
			probes: []probe{denied(peerExact, ipTCP, 80, deny, 14), allowed(peerInNet, ipTCP, 80, 12)},
		}, {
			name:    "audit entry passes with verdict audit",
			flags:   enforce,
			entries: []policy.Entry{ent(peerID, ipTCP, 80, 16, policy.Audit, 15)},
			probes:  []probe{audited(peerExact, ipTCP, 80, deny, 15)},
		}, {
			name:  "audit beats allow, deny beats audit",
			flags: enforce,
			entries: []policy.Entry{
				ent(peerID, ipTCP, 80, 16, policy.Audit, 15),
				ent(secid.Any, ipTCP, 80, 16, policy.Allow, 12),
				ent(peerID, ipUDP, 53, 16, policy.Deny, 14),
				ent(secid.Any, ipUDP, 53, 16, policy.Audit, 16),
			},
			probes: []probe{audited(peerExact, ipTCP, 80, deny, 15), denied(peerExact, ipUDP, 53, deny, 14)},
		}, {
			name:    "audit mode turns drops into audits",
			flags:   enforce | audit,
			entries: []policy.Entry{ent(peerID, ipTCP, 80, 16, policy.Deny, 14)},
			probes: []probe{
				audited(peerExact, ipTCP, 80, deny, 14),
				audited(peerExact, ipTCP, 81, deflt, 0),
			},
		}, {
			name:   "audit mode without enforcement allows",
			flags:  audit,
			probes: []probe{allowed(peerExact, ipTCP, 80, 0)},
		}, {
			name:    "redirect passes, recorded as redirected",
			flags:   enforce,
			entries: []policy.Entry{redirect(peerID, ipTCP, 80, 16, 15008, 26)},
			probes:  []probe{redirected(peerExact, ipTCP, 80, 26), denied(peerExact, ipTCP, 81, deflt, 0)},
		}, {
			name:    "redirect without enforcement",
			entries: []policy.Entry{redirect(secid.Any, 0, 0, 0, 15001, 27)},
			probes:  []probe{redirected(peerWorld, ipUDP, 53, 27), redirected(peerExact, ipGRE, 0, 27)},
		}, {
			name:  "redirect beats allow, audit and deny beat redirect",
			flags: enforce,
			entries: []policy.Entry{
				ent(secid.Any, ipTCP, 80, 16, policy.Allow, 12),
				redirect(peerID, ipTCP, 80, 16, 15008, 26),
				redirect(secid.Any, ipTCP, 443, 16, 15001, 27),
				ent(peerID, ipTCP, 443, 16, policy.Allow, 11),
				redirect(peerID, ipUDP, 53, 16, 15008, 28),
				ent(secid.Any, ipUDP, 53, 16, policy.Audit, 16),
				redirect(secid.Any, ipSCTP, 0, 0, 15008, 29),
				ent(peerID, ipSCTP, 9, 16, policy.Deny, 14),
			},
			probes: []probe{
				redirected(peerExact, ipTCP, 80, 26),
				allowed(peerInNet, ipTCP, 80, 12),
				redirected(peerExact, ipTCP, 443, 27),
				audited(peerExact, ipUDP, 53, deny, 16),
				denied(peerExact, ipSCTP, 9, deny, 14),
				redirected(peerExact, ipSCTP, 10, 29),
			},
		}, {
			name:    "audit mode leaves redirects alone",
			flags:   enforce | audit,
			entries: []policy.Entry{redirect(peerID, ipTCP, 80, 16, 15008, 26)},
			probes:  []probe{redirected(peerExact, ipTCP, 80, 26), audited(peerExact, ipTCP, 81, deflt, 0)},
		}, {
			name:    "port prefix covers a power-of-two range",
			flags:   enforce,
			entries: []policy.Entry{ent(peerID, ipTCP, 80, 15, policy.Allow, 17)},
			probes: []probe{
				denied(peerExact, ipTCP, 79, deflt, 0),
				allowed(peerExact, ipTCP, 80, 17),
				allowed(peerExact, ipTCP, 81, 17),
				denied(peerExact, ipTCP, 82, deflt, 0),
			},
		}, {
			name:    "protocol with any port",
			flags:   enforce,
			entries: []policy.Entry{ent(peerID, ipUDP, 0, 0, policy.Allow, 18)},
			probes: []probe{
				allowed(peerExact, ipUDP, 1, 18),
				allowed(peerExact, ipUDP, 65535, 18),
				denied(peerExact, ipTCP, 1, deflt, 0),
			},
		}, {
			name:    "protocol wildcard matches every protocol",
			flags:   enforce,
			entries: []policy.Entry{ent(peerID, 0, 0, 0, policy.Allow, 19)},
			probes: []probe{
				allowed(peerExact, ipTCP, 80, 19),
				allowed(peerExact, ipUDP, 53, 19),
				allowed(peerExact, ipSCTP, 38412, 19),
				allowed(peerExact, ipGRE, 0, 19),
				denied(peerInNet, ipTCP, 80, deflt, 0),
			},
		}, {
			name:    "unknown protocol is judged with port zero",
			flags:   enforce,
			entries: []policy.Entry{ent(peerID, ipGRE, 0, 16, policy.Allow, 20)},
			probes:  []probe{allowed(peerExact, ipGRE, 0, 20), denied(peerExact, ipUDP, 0, deflt, 0)},
		}, {
			name:    "SCTP ports",
			flags:   enforce,
			entries: []policy.Entry{ent(peerID, ipSCTP, 38412, 16, policy.Allow, 22)},
			probes:  []probe{allowed(peerExact, ipSCTP, 38412, 22), denied(peerExact, ipSCTP, 38413, deflt, 0)},
		}, {
			name:    "longest ipcache prefix names the peer",
			flags:   enforce,
			entries: []policy.Entry{ent(netID, ipTCP, 80, 16, policy.Allow, 23)},
			probes: []probe{
				allowed(peerInNet, ipTCP, 80, 23),
				denied(peerExact, ipTCP, 80, deflt, 0),
				denied(peerWorld, ipTCP, 80, deflt, 0),
			},
		}, {
			name:    "unknown addresses are the world",
			flags:   enforce,
			entries: []policy.Entry{ent(secid.World, ipTCP, 80, 16, policy.Allow, 24)},
			probes:  []probe{allowed(peerWorld, ipTCP, 80, 24), denied(peerExact, ipTCP, 80, deflt, 0)},
		}, {
			name:   "entries of the other direction do not apply",
			flags:  enforce,
			other:  []policy.Entry{ent(peerID, ipTCP, 80, 16, policy.Allow, 25)},
			probes: []probe{denied(peerExact, ipTCP, 80, deflt, 0)},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			both(t, func(t *testing.T, dir policy.Direction) {
				fs := flagsFor(dir)
				var flags endpointmap.Flags
				if tc.flags&enforce != 0 {
					flags |= fs.enforce
				}
				if tc.flags&audit != 0 {
					flags |= fs.audit
				}
				if tc.flags&enforceOther != 0 {
					flags |= fs.enforceOther
				}
				d := newDatapath(t, flags)
				for _, e := range tc.entries {
					e.Direction = dir
					d.entry(e)
				}
				for _, e := range tc.other {
					e.Direction = 1 - dir
					d.entry(e)
				}
				for _, v6 := range []bool{false, true} {
					for _, pr := range tc.probes {
						p := pr.packet(dir, v6)
						d.expectNew(dir, p, judged{verdict: pr.verdict, reason: pr.reason, peer: pr.peer.identity(), rule: pr.rule})
						if t.Failed() {
							t.Fatalf("v6=%v: probe %+v", v6, pr)
						}
					}
				}
			})
		})
	}
}

// TestPrivilegedVerdictOtherEndpoint checks that one endpoint's entries
// never apply to another.
func TestPrivilegedVerdictOtherEndpoint(t *testing.T) {
	both(t, func(t *testing.T, dir policy.Direction) {
		d := newDatapath(t, flagsFor(dir).enforce)
		k, v := policymap.KeyOf(epID+1, policy.Entry{Direction: dir, Identity: secid.Any, Verdict: policy.Allow, Rule: 1})
		if err := d.policy.Update(k, v); err != nil {
			t.Fatal(err)
		}
		d.expectNew(dir, initiated(dir, tcp(pod4, peer4, 40000, 80, pkttest.SYN)),
			judged{verdict: policy.Deny, reason: bpf.ReasonPolicyDefault, peer: peerID})
	})
}
