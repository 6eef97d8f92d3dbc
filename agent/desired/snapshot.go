package desired

import (
	"net/netip"

	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/secid"
)

// Workload is what the agent knows about one pod.
type Workload struct {
	Namespace string
	Name      string
	Node      string
	Labels    map[string]string
	Identity  secid.ID
	SPIFFEID  string
	IPs       []netip.Addr
}

// Snapshot is an immutable picture of the state the datapath enforces,
// published after every reconcile for the flow pipeline and the API.
type Snapshot struct {
	Node     string
	Revision string
	ByIP     map[netip.Addr]*Workload
	// Endpoints are the local workloads by endpoint ID (the ifindex of
	// their host-side veth).
	Endpoints  map[uint32]*Workload
	Identities map[secid.ID]secid.Labels
	Rules      map[policy.RuleID]policy.RuleRef
}
