package state

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// Roots shared by all clusters.
const (
	Root      = "/run/zeta-lab"
	BpffsRoot = "/sys/fs/bpf/zeta-lab"
)

// MkdirAll makes dir, under Root or BpffsRoot. Down of another cluster may
// remove the shared root while it is empty, even between MkdirAll's steps:
// then it tries once more.
func MkdirAll(dir string) error {
	err := os.MkdirAll(dir, 0o750)
	if errors.Is(err, fs.ErrNotExist) {
		err = os.MkdirAll(dir, 0o750)
	}
	return err
}

// RemoveRoots removes Root and BpffsRoot if no cluster uses them.
func RemoveRoots() {
	_ = os.Remove(Root) // fails while not empty
	_ = os.Remove(BpffsRoot)
}

// Layout names the paths of one cluster.
type Layout struct{ Name string }

// Dir is the cluster's state directory.
func (l Layout) Dir() string { return filepath.Join(Root, l.Name) }

// File is the state file.
func (l Layout) File() string { return filepath.Join(l.Dir(), "state.json") }

// Manifests is the directory of materialised manifests the agents read.
func (l Layout) Manifests() string { return filepath.Join(l.Dir(), "manifests") }

// ServeSocket is the control socket of the pods' servers.
func (l Layout) ServeSocket() string { return filepath.Join(l.Dir(), "serve.sock") }

// ServeLog is the log of the pods' servers.
func (l Layout) ServeLog() string { return filepath.Join(l.Dir(), "serve.log") }

// Agents is the directory holding the agents' state directories.
func (l Layout) Agents() string { return filepath.Join(l.Dir(), "agents") }

// AgentDir is the state directory of node's agent.
func (l Layout) AgentDir(node string) string { return filepath.Join(l.Agents(), node) }

// Bpffs is the cluster's bpffs directory.
func (l Layout) Bpffs() string { return filepath.Join(BpffsRoot, l.Name) }

// NodeBpffs is the bpffs directory of node's agent.
func (l Layout) NodeBpffs(node string) string { return filepath.Join(l.Bpffs(), node) }
