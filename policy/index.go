package policy

import (
	"maps"
	"slices"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/zeta-net/zeta/policy/secid"
)

// index is the cluster's identities arranged for peer selection: selectors
// of one namespace, principals of one namespace and CIDRs each look at
// their candidates only.
type index struct {
	labels      map[secid.ID]secid.Labels
	pods        []secid.ID // every pod identity, sorted
	byNamespace map[string][]secid.ID
	byCIDR      map[string][]secid.ID   // by membership: pods and CIDR identities inside
	nsSets      map[secid.ID]labels.Set // NamespaceSet of each pod identity, built once
	// ports are the named ports of each identity's pods, for egress named
	// ports; built only while a policy has one.
	ports map[secid.ID]namedPorts
	// at is the Compiler's clock when the identities or their named ports
	// last changed: rules resolved against a change record it.
	at uint64
}

func newIndex(ids map[secid.ID]secid.Labels) *index {
	ix := &index{labels: ids, byNamespace: map[string][]secid.ID{}, byCIDR: map[string][]secid.ID{}, nsSets: map[secid.ID]labels.Set{}}
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		if id.Reserved() {
			continue
		}
		l := ids[id]
		for _, c := range l.CIDRs {
			ix.byCIDR[c] = append(ix.byCIDR[c], id)
		}
		if !l.IsCIDR() {
			ix.nsSets[id] = l.NamespaceSet()
			ix.pods = append(ix.pods, id)
			ix.byNamespace[l.Namespace] = append(ix.byNamespace[l.Namespace], id)
		}
	}
	return ix
}

// inNamespace returns the pod identities of namespace ns, or of every
// namespace for "".
func (ix *index) inNamespace(ns string) []secid.ID {
	if ns == "" {
		return ix.pods
	}
	return ix.byNamespace[ns]
}

// filter returns the ids whose labels satisfy match.
func (ix *index) filter(ids []secid.ID, match func(secid.ID, secid.Labels) bool) []secid.ID {
	var out []secid.ID
	for _, id := range ids {
		if match(id, ix.labels[id]) {
			out = append(out, id)
		}
	}
	return out
}

// peerPort is a named port resolved for one peer identity.
type peerPort struct {
	id   secid.ID
	port uint16
}

// peerPorts returns the ports named port n stands for on the pods of peer;
// for secid.Any on the pods of every identity, each naming its identity.
// An unresolved name matches nothing, as upstream, and so does any name
// towards an address outside the cluster.
//
// While an egress rule names a port, pods' identities tell their named
// ports apart (secid.Labels.NamedPorts), so the pods of one identity give a
// name the same numbers and the resolution is exact.
func (ix *index) peerPorts(peer secid.ID, n portName) []peerPort {
	var out []peerPort
	if peer != secid.Any {
		for _, p := range ix.ports[peer][n] {
			out = append(out, peerPort{id: peer, port: p})
		}
		return out
	}
	for _, id := range slices.Sorted(maps.Keys(ix.ports)) {
		for _, p := range ix.ports[id][n] {
			out = append(out, peerPort{id: id, port: p})
		}
	}
	return out
}
