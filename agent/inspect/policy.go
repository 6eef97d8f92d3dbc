package inspect

import (
	"cmp"
	"github.com/zeta-net/zeta/agent/statedir"
	"github.com/zeta-net/zeta/agent/statefile"
	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/policy"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/zeta-net/zeta/bpf/maps/policymap"
)

// Ports is an inclusive port range.
type Ports struct {
	Low  uint16 `json:"low"`
	High uint16 `json:"high"`
}

// PolicyEntry is one entry of an endpoint's policy.
type PolicyEntry struct {
	Direction string   `json:"direction"`
	Peer      Identity `json:"peer"` // identity 0 ("any") matches every peer
	Protocol  string   `json:"protocol"`
	// Ports is absent when the entry matches every protocol.
	Ports   *Ports `json:"ports,omitempty"`
	Verdict string `json:"verdict"`
	// Rule is the ID of the rule that produced the entry, RuleName what
	// it stands for (from the agent's rules file, when the rule is known).
	Rule     uint32 `json:"rule"`
	RuleName string `json:"rule_name,omitempty"`

	protocol uint8 // for sorting
}

// EndpointPolicy is the output of Policy.
type EndpointPolicy struct {
	Endpoint Endpoint      `json:"endpoint"`
	Entries  []PolicyEntry `json:"entries"`
}

// Policy returns the entries of one endpoint, named by its ID or ifindex;
// an endpoint that is not in the endpoints map is ErrUnknownEndpoint.
func (n Node) Policy(ref uint32) (*EndpointPolicy, error) {
	ids, err := n.identities()
	if err != nil {
		return nil, err
	}
	eps, err := n.endpoints()
	if err != nil {
		return nil, err
	}
	ifindex, info, err := findEndpoint(eps, ref)
	if err != nil {
		return nil, err
	}
	m, err := n.openMap(mapPolicy)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	all, err := policymap.New(m).List()
	if err != nil {
		return nil, err
	}
	var rules map[policy.RuleID]policy.RuleRef
	if _, err := statefile.Read(filepath.Join(n.StateDir, statedir.Rules), &rules); err != nil {
		return nil, err
	}
	out := &EndpointPolicy{Endpoint: newEndpoint(ifindex, info, ids), Entries: []PolicyEntry{}}
	for k, v := range all {
		if k.Endpoint != info.ID {
			continue
		}
		e := k.Entry(v)
		pe := PolicyEntry{
			Direction: e.Direction.String(),
			Peer:      ids.describe(uint32(e.Identity)),
			Protocol:  bpf.ProtocolName(e.Protocol),
			Verdict:   e.Verdict.String(),
			Rule:      uint32(e.Rule),
			protocol:  e.Protocol,
		}
		if ref, ok := rules[e.Rule]; ok {
			pe.RuleName = ref.String()
		}
		if e.Protocol != 0 {
			lo, hi := PortRange(e.Port, e.PortPrefix)
			pe.Ports = &Ports{Low: lo, High: hi}
		}
		out.Entries = append(out.Entries, pe)
	}
	slices.SortFunc(out.Entries, comparePolicyEntries)
	return out, nil
}

func comparePolicyEntries(a, b PolicyEntry) int {
	var pa, pb Ports
	if a.Ports != nil {
		pa = *a.Ports
	}
	if b.Ports != nil {
		pb = *b.Ports
	}
	return cmp.Or(
		cmp.Compare(a.Direction, b.Direction),
		cmp.Compare(a.Peer.ID, b.Peer.ID),
		cmp.Compare(a.protocol, b.protocol),
		cmp.Compare(pa.Low, pb.Low),
		cmp.Compare(pa.High, pb.High),
	)
}

// Tables implements Tabler: the endpoint with its enforcement flags, then
// its entries.
func (p *EndpointPolicy) Tables() []Table {
	t := Table{
		Title:  "Entries",
		Header: []string{"DIRECTION", "PEER", "NAMESPACE", "LABELS", "PROTOCOL", "PORT", "VERDICT", "RULE"},
	}
	for _, e := range p.Entries {
		port := ""
		if e.Ports != nil {
			port = formatPorts(e.Ports.Low, e.Ports.High)
		}
		t.Rows = append(t.Rows, []string{
			e.Direction, e.Peer.cell(), e.Peer.Namespace, e.Peer.labelsCell(),
			e.Protocol, port, e.Verdict, cmp.Or(e.RuleName, strconv.FormatUint(uint64(e.Rule), 10)),
		})
	}
	return []Table{{Title: "Endpoint", Header: endpointHeader, Rows: [][]string{p.Endpoint.row()}}, t}
}
