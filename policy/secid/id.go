package secid

import "strconv"

// ID is a security identity as the datapath sees it.
type ID uint32

// Reserved identities; the values are fixed by bpf/lib/common.h.
const (
	// Any is the wildcard in policy keys, never an endpoint's identity.
	Any ID = 0
	// Host is the node's own network namespace (kubelet probes, host processes).
	Host ID = 1
	// World is every address the IP cache does not know.
	World ID = 2
	// Unmanaged is a pod in the cluster state that has no identity yet.
	Unmanaged ID = 3

	// MinPod is the first identity handed out for a label set.
	MinPod ID = 256
)

// Reserved reports whether id is one of the fixed identities.
func (id ID) Reserved() bool { return id < MinPod }

func (id ID) String() string {
	switch id {
	case Any:
		return "any"
	case Host:
		return "reserved:host"
	case World:
		return "reserved:world"
	case Unmanaged:
		return "reserved:unmanaged"
	}
	return strconv.FormatUint(uint64(id), 10)
}
