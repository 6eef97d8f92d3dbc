package inspect

import (
	"errors"
	"fmt"
	"github.com/zeta-net/zeta/agent/statedir"
	"os"
	"path/filepath"

	"github.com/cilium/ebpf"
)

// Pins under <bpffs-root>/maps, by the names the datapath object gives them.
const (
	mapEndpoints = "zeta_endpoints"
	mapIPCache4  = "zeta_ipcache4"
	mapIPCache6  = "zeta_ipcache6"
	mapPolicy    = "zeta_policy"
	mapCT        = "zeta_ct"
	mapMetrics   = "zeta_metrics"
	mapCounters  = "zeta_counters"
)

// ErrNotInstalled means a map the reader needs is not pinned: no agent has
// installed the datapath under that bpffs root.
var ErrNotInstalled = errors.New("datapath not installed")

// Node locates one node's Zeta state.
type Node struct {
	// BPFFSRoot holds the pins: maps/<name> and links/tcx-<ifindex>-<hook>.
	BPFFSRoot string
	// StateDir holds the agent's files.
	StateDir string
}

func (n Node) mapsDir() string  { return filepath.Join(n.BPFFSRoot, "maps") }
func (n Node) linksDir() string { return filepath.Join(n.BPFFSRoot, "links") }

// FlowLog is the path of the agent's flow log.
func (n Node) FlowLog() string { return filepath.Join(n.StateDir, statedir.Flows) }

// openMap opens a pinned map read-only.
func (n Node) openMap(name string) (*ebpf.Map, error) {
	path := filepath.Join(n.mapsDir(), name)
	m, err := ebpf.LoadPinnedMap(path, &ebpf.LoadPinOptions{ReadOnly: true})
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("open map %s: %w: nothing pinned at %s", name, ErrNotInstalled, path)
	}
	if err != nil {
		return nil, fmt.Errorf("open map %s: %w", path, err)
	}
	return m, nil
}
