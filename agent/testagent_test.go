package agent

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/zeta-net/zeta/agent/datapath"
)

// newTestAgent loads an agent for node with cfg's settings (edit, if not
// nil, adjusts the defaults) on a bpffs root and state directory of its
// own, and uninstalls its pins when the test ends. It skips the test when
// not root: the datapath must load.
func newTestAgent(t *testing.T, node string, edit func(*Config)) (*Agent, Config) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: loads the datapath")
	}
	cfg := DefaultConfig()
	cfg.Node = node
	cfg.BPFFSRoot = fmt.Sprintf("/sys/fs/bpf/zeta-agent-test-%x", rand.Uint64())
	cfg.StateDir = t.TempDir()
	if edit != nil {
		edit(&cfg)
	}
	t.Cleanup(func() {
		if err := datapath.Uninstall(cfg.BPFFSRoot); err != nil {
			t.Errorf("uninstall: %v", err)
		}
	})
	a, err := New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return a, cfg
}
