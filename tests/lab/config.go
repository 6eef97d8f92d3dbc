package lab

import (
	"log/slog"

	"github.com/spf13/pflag"

	"github.com/zeta-net/zeta/tests/lab/plan"
)

// Config describes a cluster to build.
type Config struct {
	// Name is part of every name the cluster creates (default "zeta").
	Name string
	// Manifests is the directory of Kubernetes YAML to build from.
	Manifests string
	// Nodes adds nodes node-1..node-Nodes to those the pods name.
	Nodes int
	// Agents runs an agent on every node.
	Agents bool
	// AgentBin is the agent binary (default: zeta-agent next to the
	// executable, else in $PATH).
	AgentBin string
	// DefaultDeny starts the agents with --default-deny.
	DefaultDeny bool
	// AgentArgs are more flags for every agent, after the lab's own (for
	// instance flow exporters).
	AgentArgs []string
	// Logger receives progress; nil discards it.
	Logger *slog.Logger
}

// Flags registers the fields on fs with the CLI's defaults.
func (c *Config) Flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.Name, "name", plan.DefaultName, "cluster name, part of every name the cluster creates")
	fs.StringVarP(&c.Manifests, "file", "f", "", "directory of Kubernetes YAML to build the cluster from")
	fs.IntVar(&c.Nodes, "nodes", 2, "add nodes node-1..node-N to those the pods' spec.nodeName names")
	fs.BoolVar(&c.Agents, "agents", true, "run a zeta-agent on every node")
	fs.StringVar(&c.AgentBin, "agent-bin", "", "agent binary (default: zeta-agent next to zeta-lab, else in $PATH)")
	fs.BoolVar(&c.DefaultDeny, "default-deny", false, "start the agents with --default-deny")
	fs.StringArrayVar(&c.AgentArgs, "agent-arg", nil, "one more flag for every agent (repeatable), e.g. --agent-arg=--export-config=FILE")
}

func (c Config) withDefaults() Config {
	if c.Name == "" {
		c.Name = plan.DefaultName
	}
	c.Logger = logger(c.Logger)
	return c
}

func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
