package agent

import (
	"net/netip"

	"github.com/zeta-net/zeta/agent/flow"
	"github.com/zeta-net/zeta/bpf/maps/eventmap"
	"github.com/zeta-net/zeta/policy"
)

// enrich names both ends of a flow and the rule that decided it, from the
// latest snapshot.
func (a *Agent) enrich(r *flow.Record, ev *eventmap.Event) {
	snap := a.snapshot.Load()
	peer := func(p *flow.Peer, ip netip.Addr) {
		w := snap.ByIP[ip]
		if w == nil {
			return
		}
		p.Namespace, p.Pod, p.Labels, p.SPIFFEID = w.Namespace, w.Name, w.Labels, w.SPIFFEID
	}
	peer(&r.Source, ev.Src())
	peer(&r.Destination, ev.Dst())
	if w := snap.Endpoints[ev.Endpoint]; w != nil {
		r.Endpoint = w.Namespace + "/" + w.Name
	}
	if ref, ok := snap.Rules[policy.RuleID(ev.Rule)]; ok && ev.Rule != 0 {
		r.Policy = ref.String()
	}
}
