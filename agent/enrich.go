package agent

import (
	"net/netip"

	"github.com/zeta-net/zeta/agent/desired"
	"github.com/zeta-net/zeta/agent/flow"
	"github.com/zeta-net/zeta/bpf/maps/eventmap"
	"github.com/zeta-net/zeta/policy"
)

// enrich names both ends of a flow and the rule that decided it, from the
// latest snapshot. Only the flow reader calls it.
func (a *Agent) enrich(r *flow.Record, ev *eventmap.Event) { a.enrichWith(&a.names, r, ev) }

// enrichWith is enrich with the names cache of the calling goroutine.
func (a *Agent) enrichWith(cache *enrichNames, r *flow.Record, ev *eventmap.Event) {
	snap := a.snapshot.Load()
	names := cache.of(snap)
	peer := func(p *flow.Peer, ip netip.Addr) {
		w := snap.ByIP[ip]
		if w == nil {
			return
		}
		p.Namespace, p.Pod, p.Labels, p.SPIFFEID = w.Namespace, w.Name, w.Labels, w.SPIFFEID
	}
	peer(&r.Source, ev.Src())
	peer(&r.Destination, ev.Dst())
	r.Endpoint = names.endpoints[ev.Endpoint]
	if ev.Rule != 0 {
		r.Policy = names.rules[policy.RuleID(ev.Rule)]
	}
}

// enrichNames are the strings enrich sets, built once per snapshot rather
// than once per record. Owned by the flow reader.
type enrichNames struct {
	snap      *desired.Snapshot
	endpoints map[uint32]string // namespace/pod by endpoint ID
	rules     map[policy.RuleID]string
}

// of returns the names of snap, building them when snap is new.
func (n *enrichNames) of(snap *desired.Snapshot) *enrichNames {
	if n.snap == snap {
		return n
	}
	*n = enrichNames{snap: snap, endpoints: make(map[uint32]string, len(snap.Endpoints)), rules: make(map[policy.RuleID]string, len(snap.Rules))}
	for id, w := range snap.Endpoints {
		n.endpoints[id] = w.Namespace + "/" + w.Name
	}
	for id, ref := range snap.Rules {
		n.rules[id] = ref.String()
	}
	return n
}
