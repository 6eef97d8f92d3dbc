package inspect

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/zeta-net/zeta/bpf/maps/endpointmap"
)

// ErrUnknownEndpoint means no endpoint has the ID or ifindex asked for.
var ErrUnknownEndpoint = errors.New("unknown endpoint")

// Endpoint is a local endpoint: a pod behind a host-side veth.
type Endpoint struct {
	Ifindex  uint32   `json:"ifindex"`
	ID       uint32   `json:"id"`
	Identity Identity `json:"identity"`
	// Flags name the enforcement flags set: enforce-ingress,
	// enforce-egress, audit-ingress, audit-egress.
	Flags []string `json:"flags"`
	// Pod is namespace/name of the endpoint's pod; only the agent knows
	// it, so it is empty when read from the pinned maps.
	Pod string `json:"pod,omitempty"`
}

var flagNames = []struct {
	flag endpointmap.Flags
	name string
}{
	{endpointmap.EnforceIngress, "enforce-ingress"},
	{endpointmap.EnforceEgress, "enforce-egress"},
	{endpointmap.AuditIngress, "audit-ingress"},
	{endpointmap.AuditEgress, "audit-egress"},
}

// FlagNames names the flags set in f; bits this version does not know
// show in hex.
func FlagNames(f endpointmap.Flags) []string {
	out := []string{}
	for _, n := range flagNames {
		if f&n.flag != 0 {
			out = append(out, n.name)
			f &^= n.flag
		}
	}
	if f != 0 {
		out = append(out, fmt.Sprintf("%#x", uint32(f)))
	}
	return out
}

// EndpointList is the output of Endpoints.
type EndpointList []Endpoint

// Endpoints lists the local endpoints by ifindex.
func (n Node) Endpoints() (EndpointList, error) {
	ids, err := n.identities()
	if err != nil {
		return nil, err
	}
	eps, err := n.endpoints()
	if err != nil {
		return nil, err
	}
	out := EndpointList{}
	for ifindex, info := range eps {
		out = append(out, newEndpoint(ifindex, info, ids))
	}
	slices.SortFunc(out, func(a, b Endpoint) int { return cmp.Compare(a.Ifindex, b.Ifindex) })
	return out, nil
}

func newEndpoint(ifindex uint32, info endpointmap.Info, ids identities) Endpoint {
	return Endpoint{Ifindex: ifindex, ID: info.ID, Identity: ids.describe(info.Identity), Flags: FlagNames(info.Flags)}
}

func (n Node) endpoints() (map[uint32]endpointmap.Info, error) {
	m, err := n.openMap(mapEndpoints)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	return endpointmap.New(m).List()
}

// findEndpoint resolves ref, an endpoint ID or else an ifindex.
func findEndpoint(eps map[uint32]endpointmap.Info, ref uint32) (uint32, endpointmap.Info, error) {
	for ifindex, info := range eps {
		if info.ID == ref {
			return ifindex, info, nil
		}
	}
	if info, ok := eps[ref]; ok {
		return ref, info, nil
	}
	return 0, endpointmap.Info{}, fmt.Errorf("%w %d: no endpoint has this ID or ifindex", ErrUnknownEndpoint, ref)
}

func (e Endpoint) row() []string {
	return []string{
		strconv.FormatUint(uint64(e.Ifindex), 10), strconv.FormatUint(uint64(e.ID), 10),
		e.Identity.cell(), e.Identity.Namespace, e.Identity.labelsCell(), strings.Join(e.Flags, ","), e.Pod,
	}
}

var endpointHeader = []string{"IFINDEX", "ID", "IDENTITY", "NAMESPACE", "LABELS", "FLAGS", "POD"}

// Tables implements Tabler.
func (l EndpointList) Tables() []Table {
	t := Table{Header: endpointHeader}
	for _, e := range l {
		t.Rows = append(t.Rows, e.row())
	}
	return []Table{t}
}
