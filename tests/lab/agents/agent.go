package agents

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/zeta-net/zeta/tests/lab/labns"
	"github.com/zeta-net/zeta/tests/lab/proc"
	"github.com/zeta-net/zeta/tests/lab/state"
)

// BinName is the agent binary's file name.
const BinName = "zeta-agent"

// Agent is one node's agent.
type Agent struct {
	Bin         string
	Node        string
	Netns       string // the node's network namespace
	Manifests   string
	Bpffs       string
	StateDir    string
	DefaultDeny bool
	// Args are more flags, after those above.
	Args []string
}

// Log is the agent's output.
func (a Agent) Log() string { return filepath.Join(a.StateDir, "agent.log") }

// Health is the agent's health socket.
func (a Agent) Health() string { return filepath.Join(a.StateDir, "health.sock") }

// FindBin resolves the agent binary: bin if set (a path or a name in
// $PATH), else zeta-agent next to the running executable, else in $PATH.
func FindBin(bin string) (string, error) {
	if bin != "" {
		path, err := exec.LookPath(bin)
		if err != nil {
			return "", fmt.Errorf("find agent binary: %w", err)
		}
		return filepath.Abs(path)
	}
	if exe, err := os.Executable(); err == nil {
		path := filepath.Join(filepath.Dir(exe), BinName)
		if _, err := os.Stat(path); err == nil {
			return path, nil
		}
	}
	path, err := exec.LookPath(BinName)
	if err != nil {
		return "", fmt.Errorf("find agent binary: %s is neither next to this executable nor in $PATH: %w", BinName, err)
	}
	return filepath.Abs(path)
}

// Start starts the agent detached inside its node's namespace.
func (a Agent) Start() (proc.Identity, error) {
	nsenter, err := exec.LookPath("nsenter")
	if err != nil {
		return proc.Identity{}, fmt.Errorf("start agent on %s: %w", a.Node, err)
	}
	for _, dir := range []string{a.StateDir, a.Bpffs} {
		if err := state.MkdirAll(dir); err != nil {
			return proc.Identity{}, fmt.Errorf("start agent on %s: %w", a.Node, err)
		}
	}
	args := []string{"--net=" + labns.Path(a.Netns), a.Bin, "run",
		"--node", a.Node,
		"--manifests", a.Manifests,
		"--bpffs-root", a.Bpffs,
		"--state-dir", a.StateDir}
	if a.DefaultDeny {
		args = append(args, "--default-deny")
	}
	args = append(args, a.Args...)
	id, err := proc.Start(exec.Command(nsenter, args...), a.Log())
	if err != nil {
		return proc.Identity{}, fmt.Errorf("start agent on %s: %w", a.Node, err)
	}
	return id, nil
}

// Uninstall runs `zeta-agent uninstall` on the agent's bpffs directory,
// inside the node's namespace while it exists. A directory that does not
// exist has nothing to uninstall.
func (a Agent) Uninstall(ctx context.Context) error {
	if _, err := os.Stat(a.Bpffs); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	args := []string{a.Bin, "uninstall", "--bpffs-root", a.Bpffs}
	if labns.Exists(a.Netns) {
		args = append([]string{"nsenter", "--net=" + labns.Path(a.Netns)}, args...)
	}
	out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("uninstall agent of %s: %w: %s", a.Node, err, out)
	}
	return nil
}
