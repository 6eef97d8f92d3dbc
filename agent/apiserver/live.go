package apiserver

import (
	"time"

	"github.com/zeta-net/zeta/agent/health"
	"github.com/zeta-net/zeta/agent/inspect"
)

// Live is what only the running agent knows, as of the call.
type Live struct {
	Version string
	Node    string
	Started time.Time
	Health  health.Status
	// IdentitySource is where the agent learns workloads and identities.
	IdentitySource inspect.IdentitySource
	// Pods names the pod (namespace/name) of each local endpoint, by
	// endpoint ID.
	Pods map[uint32]string
	// Exporters holds the counters of the exporters that keep their own,
	// by exporter name.
	Exporters map[string]inspect.ExporterStats
}
