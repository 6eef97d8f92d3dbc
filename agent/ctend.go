package agent

import (
	"maps"
	"time"

	"github.com/zeta-net/zeta/agent/flow"
	"github.com/zeta-net/zeta/agent/inspect"
	"github.com/zeta-net/zeta/bpf/maps/ctmap"
	"github.com/zeta-net/zeta/bpf/maps/eventmap"
	"github.com/zeta-net/zeta/policy"
)

// connEnds reports connections that ended, from the conntrack table, as
// flow records of type end with the connection's totals. It is the
// conntrack garbage collector too: expired entries are reported, then
// deleted. Owned by Run's loop.
type connEnds struct {
	// reported are the closed entries already reported that are still
	// in the table, with their creation stamps: a new connection on the
	// same tuple has another and is reported again when it ends.
	reported map[ctmap.Key]uint64
	// names are enrich's names, owned by this loop rather than the
	// flow reader's.
	names enrichNames
}

// gcConntrack reports the connections that closed or expired since the
// last pass and deletes the expired entries. The datapath already
// ignores expired entries; deleting them frees room before the LRU has
// to evict live ones.
func (a *Agent) gcConntrack() {
	mono, err := inspect.MonotonicNow()
	if err != nil {
		a.log.Error("conntrack gc", "error", err)
		return
	}
	wall := time.Now()
	entries, err := a.dp.CT.List()
	if err != nil {
		a.log.Error("conntrack gc", "error", err)
		return
	}
	recs, expired := a.ends.scan(entries, mono)
	for _, k := range expired {
		if err := a.dp.CT.Delete(k); err != nil {
			a.log.Error("conntrack gc", "error", err)
			return
		}
	}
	if len(expired) > 0 {
		a.log.Debug("conntrack gc", "removed", len(expired))
	}
	if len(recs) == 0 {
		return
	}
	boot := wall.Add(-time.Duration(mono)) //nolint:gosec // monotonic nanoseconds fit an int64 for 292 years
	out := make([]*flow.Record, len(recs))
	for i, e := range recs {
		out[i] = a.endRecord(e, wall, boot)
	}
	a.flows.Hub.PublishBatch(out)
}

// ended is one conntrack entry whose connection ended, and how.
type ended struct {
	key   ctmap.Key
	entry ctmap.Entry
	end   string // flow.EndClosed or flow.EndExpired
}

// scan finds the entries that ended as of now (CLOCK_MONOTONIC
// nanoseconds): those that closed and were not reported yet, and those
// that expired, which it also returns for deletion.
func (c *connEnds) scan(entries map[ctmap.Key]ctmap.Entry, now uint64) ([]ended, []ctmap.Key) {
	if c.reported == nil {
		c.reported = map[ctmap.Key]uint64{}
	}
	var out []ended
	var expired []ctmap.Key
	for k, e := range entries {
		done, seen := c.reported[k]
		seen = seen && done == e.Created
		switch {
		case e.Expires <= now:
			expired = append(expired, k)
			delete(c.reported, k)
			if !seen {
				out = append(out, ended{k, e, flow.EndExpired})
			}
		case e.Closed(k) && !seen:
			c.reported[k] = e.Created
			out = append(out, ended{k, e, flow.EndClosed})
		}
	}
	// Forget entries the LRU evicted or a new connection replaced.
	maps.DeleteFunc(c.reported, func(k ctmap.Key, created uint64) bool {
		e, ok := entries[k]
		return !ok || e.Created != created
	})
	return out, expired
}

// endRecord is the flow record of e's end, named like the verdict that
// opened the connection: the same hook, direction, ends, verdict and
// rule, with the TCP flags both sides sent and the totals. now and boot
// are the wall time of the pass and of the monotonic clock's zero.
func (a *Agent) endRecord(e ended, now, boot time.Time) *flow.Record {
	k, ce := e.key, e.entry
	local := uint32(0)
	if w := a.snapshot.Load().Endpoints[ce.Endpoint]; w != nil {
		local = uint32(w.Identity)
	}
	ev := eventmap.Event{
		SrcAddr: k.SrcAddr, DstAddr: k.DstAddr, SrcPortNet: k.SrcPortNet, DstPortNet: k.DstPortNet,
		Endpoint: ce.Endpoint, Ifindex: ce.Endpoint, Rule: ce.Rule,
		Family: k.Family, Protocol: k.Protocol, Verdict: policy.Verdict(ce.Verdict),
		Direction: policy.Ingress, SrcIdentity: ce.PeerIdentity, DstIdentity: local,
		TCPFlags: ce.FwdTCPFlags | ce.RevTCPFlags,
	}
	if k.Flags == ctmap.FlagEgress {
		ev.Direction, ev.SrcIdentity, ev.DstIdentity = policy.Egress, local, ce.PeerIdentity
	}
	r := flow.Decode(&ev, boot)
	a.enrichWith(&a.ends.names, &r, &ev)
	r.Time, r.Node = now, a.cfg.Node
	// The tuple's ICMP "ports" are not a type and code; no packet is judged.
	r.ICMP, r.Bytes, r.Packets = nil, 0, 0
	r.Type = flow.TypeEnd
	r.Totals = &flow.Totals{
		FwdPackets: ce.FwdPackets, FwdBytes: ce.FwdBytes, RevPackets: ce.RevPackets, RevBytes: ce.RevBytes,
		Started: boot.Add(time.Duration(ce.Created)), //nolint:gosec // as boot
		End:     e.end,
	}
	return &r
}
