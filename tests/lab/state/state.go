package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/zeta-net/zeta/agent/statefile"
	"io/fs"
	"os"
	"slices"

	"golang.org/x/sys/unix"

	"github.com/zeta-net/zeta/tests/lab/plan"
	"github.com/zeta-net/zeta/tests/lab/proc"
)

// ErrExists is returned by Create when the cluster's state directory exists.
var ErrExists = errors.New("cluster exists")

// State records one cluster: how it was made and what exists of it.
type State struct {
	Name        string   `json:"name"`
	Source      string   `json:"source"` // the manifests directory last applied
	Agents      bool     `json:"agents"`
	AgentBin    string   `json:"agentBin,omitempty"`
	DefaultDeny bool     `json:"defaultDeny,omitempty"`
	AgentArgs   []string `json:"agentArgs,omitempty"`

	Plan  *plan.Plan `json:"plan"`
	Netns []string   `json:"netns"` // created, in creation order

	Serve     proc.Identity            `json:"serve"`
	AgentProc map[string]proc.Identity `json:"agentProc,omitempty"` // by node
}

// Layout names the cluster's paths.
func (s *State) Layout() Layout { return Layout{Name: s.Name} }

// Create makes the state directory of cluster name and saves s in it. It
// returns ErrExists, creating nothing, if the directory exists.
func Create(s *State) error {
	if err := MkdirAll(Root); err != nil {
		return fmt.Errorf("create state: %w", err)
	}
	err := os.Mkdir(s.Layout().Dir(), 0o750)
	if errors.Is(err, fs.ErrNotExist) { // Root removed meanwhile
		err = MkdirAll(s.Layout().Dir())
	}
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("create state %s: %w", s.Layout().Dir(), ErrExists)
		}
		return fmt.Errorf("create state: %w", err)
	}
	return s.Save()
}

// Load reads the state of cluster name; a missing file is fs.ErrNotExist.
func Load(name string) (*State, error) {
	data, err := os.ReadFile(Layout{Name: name}.File())
	if err != nil {
		return nil, fmt.Errorf("load state: %w", err)
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("load state %s: %w", Layout{Name: name}.File(), err)
	}
	if s.Name != name {
		return nil, fmt.Errorf("load state %s: it is cluster %q's", Layout{Name: name}.File(), s.Name)
	}
	return &s, nil
}

// Save writes s atomically.
func (s *State) Save() error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	return statefile.WriteFile(s.Layout().File(), data)
}

// AddNetns records a created namespace and saves.
func (s *State) AddNetns(name string) error {
	s.Netns = append(s.Netns, name)
	return s.Save()
}

// RemoveNetns forgets a deleted namespace and saves.
func (s *State) RemoveNetns(name string) error {
	s.Netns = slices.DeleteFunc(s.Netns, func(n string) bool { return n == name })
	return s.Save()
}

// Lock takes an exclusive lock on cluster name's state directory, waiting
// for other holders. It fails with fs.ErrNotExist if the directory does not
// exist. The lock goes with the returned release function or the process.
func Lock(name string) (release func(), err error) {
	f, err := os.Open(Layout{Name: name}.Dir())
	if err != nil {
		return nil, fmt.Errorf("lock cluster %s: %w", name, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		return nil, fmt.Errorf("lock cluster %s: %w", name, errors.Join(err, f.Close()))
	}
	return func() { _ = f.Close() }, nil // closing releases the lock
}
