package lab

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/zeta-net/zeta/agent/manifest"
	"github.com/zeta-net/zeta/tests/lab/agents"
	"github.com/zeta-net/zeta/tests/lab/plan"
	"github.com/zeta-net/zeta/tests/lab/proc"
	"github.com/zeta-net/zeta/tests/lab/state"
)

// readyTimeout bounds the wait for agents to enforce new manifests.
const readyTimeout = 60 * time.Second

// agent describes node's agent.
func (c *Cluster) agent(node string) agents.Agent { return agentOf(c.st, node) }

// agentOf describes node's agent in the cluster st records.
func agentOf(st *state.State, node string) agents.Agent {
	lay := st.Layout()
	return agents.Agent{
		Bin:         st.AgentBin,
		Node:        node,
		Netns:       plan.NodeNetns(st.Name, node),
		Manifests:   lay.Manifests(),
		Bpffs:       lay.NodeBpffs(node),
		StateDir:    lay.AgentDir(node),
		DefaultDeny: st.DefaultDeny,
		Args:        st.AgentArgs,
	}
}

// startAgent starts node's agent and records it.
func (c *Cluster) startAgent(node string) error {
	id, err := c.agent(node).Start()
	if err != nil {
		return err
	}
	if c.st.AgentProc == nil {
		c.st.AgentProc = map[string]proc.Identity{}
	}
	c.st.AgentProc[node] = id
	return c.st.Save()
}

// waitAgents waits until the agents of nodes enforce the manifests whose
// hash is hash.
func (c *Cluster) waitAgents(ctx context.Context, hash string, nodes ...plan.Node) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Go(func() { errs[i] = c.agent(n.Name).WaitReady(ctx, c.st.AgentProc[n.Name], hash) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// RestartAgent stops node's agent (SIGTERM, then SIGKILL after a grace
// period), starts it again and waits until it enforces the manifests.
func (c *Cluster) RestartAgent(ctx context.Context, node string) error {
	err := c.locked(func() error {
		n, ok := c.st.Plan.Node(node)
		if !ok {
			return errors.New("no such node")
		}
		if !c.st.Agents {
			return errors.New("the cluster runs no agents")
		}
		if err := proc.Stop(ctx, []proc.Identity{c.st.AgentProc[node]}, stopGrace); err != nil {
			return err
		}
		if err := c.startAgent(node); err != nil {
			return err
		}
		set, err := manifest.LoadDir(c.ManifestsDir())
		if err != nil {
			return err
		}
		return c.waitAgents(ctx, set.Hash, n)
	})
	if err != nil {
		return fmt.Errorf("restart agent on %s: %w", node, err)
	}
	return nil
}
