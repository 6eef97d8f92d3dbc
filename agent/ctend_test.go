package agent

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/zeta-net/zeta/agent/desired"
	"github.com/zeta-net/zeta/agent/flow"
	"github.com/zeta-net/zeta/agent/inspect"
	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/maps/ctmap"
	"github.com/zeta-net/zeta/policy"
)

// TestConnectionEnds fills a real conntrack map with connections in every
// state and runs the agent's conntrack passes: a connection that closed
// is reported once, with its totals, while its entry stays for the
// datapath; one that expired is reported and deleted; a live one is left
// alone; a new connection on a reported tuple is reported again.
func TestConnectionEnds(t *testing.T) {
	a, cfg := newTestAgent(t, "node-ct", nil)
	t.Cleanup(func() { a.close() })

	web := &desired.Workload{Namespace: "shop", Name: "web", Identity: 300, SPIFFEID: "spiffe://cluster.local/ns/shop/sa/web",
		Labels: map[string]string{"app": "web"}, IPs: []netip.Addr{netip.MustParseAddr("10.0.0.2")}}
	db := &desired.Workload{Namespace: "shop", Name: "db", Identity: 301, IPs: []netip.Addr{netip.MustParseAddr("10.0.0.3")}}
	rule := policy.RuleID(42)
	a.snapshot.Store(&desired.Snapshot{
		Node:      cfg.Node,
		ByIP:      map[netip.Addr]*desired.Workload{web.IPs[0]: web, db.IPs[0]: db},
		Endpoints: map[uint32]*desired.Workload{7: web},
		Rules:     map[policy.RuleID]policy.RuleRef{rule: {Kind: "NetworkPolicy", Namespace: "shop", Name: "allow-web", Direction: policy.Egress}},
	})

	now, err := inspect.MonotonicNow()
	if err != nil {
		t.Fatal(err)
	}
	key := func(src, dst string, sport, dport uint16, proto, flags uint8) ctmap.Key {
		k := ctmap.Key{SrcPortNet: bpf.Htons(sport), DstPortNet: bpf.Htons(dport), Protocol: proto, Flags: flags}
		k.Family, k.SrcAddr = bpf.RawAddr(netip.MustParseAddr(src))
		_, k.DstAddr = bpf.RawAddr(netip.MustParseAddr(dst))
		return k
	}
	const fin, syn, rst, ack = 0x01, 0x02, 0x04, 0x10
	live := now + uint64(time.Hour)
	closed := key("10.0.0.2", "10.0.0.3", 40000, 5432, bpf.ProtoTCP, ctmap.FlagEgress)
	reset := key("10.0.0.3", "10.0.0.2", 41000, 80, bpf.ProtoTCP, ctmap.FlagIngress)
	open := key("10.0.0.2", "10.0.0.3", 40001, 5432, bpf.ProtoTCP, ctmap.FlagEgress)
	idle := key("10.0.0.2", "192.0.2.53", 53000, 53, bpf.ProtoUDP, ctmap.FlagEgress)
	entries := map[ctmap.Key]ctmap.Entry{
		closed: {Expires: live, Created: now - uint64(5*time.Second), FwdPackets: 6, FwdBytes: 700, RevPackets: 5, RevBytes: 9000,
			Endpoint: 7, PeerIdentity: 301, Rule: uint32(rule), Verdict: uint8(policy.Allow), FwdTCPFlags: syn | ack | fin, RevTCPFlags: syn | ack | fin},
		reset: {Expires: live, Created: now - 100, FwdPackets: 1, FwdBytes: 60, RevPackets: 1, RevBytes: 40,
			Endpoint: 7, PeerIdentity: 301, Verdict: uint8(policy.Audit), FwdTCPFlags: syn, RevTCPFlags: rst | ack},
		open: {Expires: live, Created: now - 100, FwdPackets: 3, FwdBytes: 180, RevPackets: 2, RevBytes: 120,
			Endpoint: 7, PeerIdentity: 301, Verdict: uint8(policy.Allow), FwdTCPFlags: syn | ack, RevTCPFlags: syn | ack},
		idle: {Expires: now - 1, Created: now - uint64(40*time.Second), FwdPackets: 1, FwdBytes: 72, RevPackets: 0,
			Endpoint: 7, PeerIdentity: 2, Verdict: uint8(policy.Allow)},
	}
	put := func(k ctmap.Key, e ctmap.Entry) {
		t.Helper()
		if err := a.dp.Objects.CT.Put(k, e); err != nil {
			t.Fatal(err)
		}
	}
	for k, e := range entries {
		put(k, e)
	}
	published := 0
	pass := func() []*flow.Record {
		t.Helper()
		a.gcConntrack()
		all := a.flows.Hub.Recent(flow.Filter{}, -1)
		got := all[published:]
		published = len(all)
		return got
	}
	shape := func(r *flow.Record) string {
		return fmt.Sprintf("%s %s %s:%d -> %s:%d %s %s[%s] %s %+v", r.Type, r.Direction, r.Source.IP, r.Source.Port,
			r.Destination.IP, r.Destination.Port, r.Protocol, r.Verdict, r.TCPFlags, r.Totals.End,
			[4]uint64{r.Totals.FwdPackets, r.Totals.FwdBytes, r.Totals.RevPackets, r.Totals.RevBytes})
	}
	expect := func(what string, got []*flow.Record, want ...string) {
		t.Helper()
		var shapes []string
		for _, r := range got {
			shapes = append(shapes, shape(r))
		}
		if !slices.Equal(slices.Sorted(slices.Values(shapes)), slices.Sorted(slices.Values(want))) {
			t.Errorf("%s: end records\n  %q\nwant\n  %q", what, shapes, want)
		}
	}

	first := pass()
	expect("first pass", first,
		"end egress 10.0.0.2:40000 -> 10.0.0.3:5432 TCP ALLOWED[FIN,SYN,ACK] closed [6 700 5 9000]",
		"end ingress 10.0.0.3:41000 -> 10.0.0.2:80 TCP AUDIT[SYN,RST,ACK] closed [1 60 1 40]",
		"end egress 10.0.0.2:53000 -> 192.0.2.53:53 UDP ALLOWED[] expired [1 72 0 0]",
	)
	for _, r := range first {
		if r.Destination.Port != 5432 {
			continue
		}
		wantStart := time.Now().Add(-5 * time.Second)
		if r.Node != cfg.Node || r.Endpoint != "shop/web" || r.Ifindex != 7 || r.Source.Pod != "web" || r.Source.Identity != 300 ||
			r.Source.SPIFFEID != web.SPIFFEID || r.Destination.Pod != "db" || r.Destination.Identity != 301 ||
			r.RuleID != uint32(rule) || r.Policy != "NetworkPolicy shop/allow-web egress[0]" || r.Packets != 0 || r.ICMP != nil ||
			r.Totals.Started.Sub(wantStart).Abs() > time.Second || time.Since(r.Time) > time.Minute {
			t.Errorf("closed connection's record: %+v %+v", r, r.Totals)
		}
	}
	ct, err := a.dp.CT.List()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ct[idle]; ok || len(ct) != 3 {
		t.Errorf("after the first pass the table has %d entries (idle: %v); want the 3 that did not expire", len(ct), ok)
	}

	expect("second pass", pass())

	// The closed connection's entry expires: deleted, not reported again.
	// A new connection on the reset tuple closes: reported.
	e := entries[closed]
	e.Expires = now - 1
	put(closed, e)
	e = entries[reset]
	e.Created, e.FwdPackets, e.FwdTCPFlags = now, 2, syn|ack|rst
	put(reset, e)
	expect("third pass", pass(), "end ingress 10.0.0.3:41000 -> 10.0.0.2:80 TCP AUDIT[SYN,RST,ACK] closed [2 60 1 40]")
	if ct, err = a.dp.CT.List(); err != nil {
		t.Fatal(err)
	}
	if _, ok := ct[closed]; ok || len(ct) != 2 {
		t.Errorf("after the third pass the table has %d entries (closed: %v); want open and reset", len(ct), ok)
	}
}
