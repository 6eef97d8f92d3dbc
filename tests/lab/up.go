package lab

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/zeta-net/zeta/agent/manifest"
	"github.com/zeta-net/zeta/tests/lab/agents"
	"github.com/zeta-net/zeta/tests/lab/labns"
	"github.com/zeta-net/zeta/tests/lab/materialize"
	"github.com/zeta-net/zeta/tests/lab/plan"
	"github.com/zeta-net/zeta/tests/lab/state"
	"github.com/zeta-net/zeta/tests/lab/wire"
)

// cleanupTimeout bounds the teardown after a failed Up.
const cleanupTimeout = time.Minute

// Up builds the cluster cfg describes and returns once its servers listen
// and, with agents, every agent enforces the manifests. If it fails after
// creating anything, it removes everything before returning the error.
func Up(ctx context.Context, cfg Config) (*Cluster, error) {
	cfg = cfg.withDefaults()
	start := time.Now()
	set, err := load(cfg.Manifests)
	if err != nil {
		return nil, fmt.Errorf("up cluster %s: %w", cfg.Name, err)
	}
	p, err := plan.New(cfg.Name, cfg.Nodes, set)
	if err != nil {
		return nil, fmt.Errorf("up cluster %s: %w", cfg.Name, err)
	}
	st := &state.State{Name: cfg.Name, Agents: cfg.Agents, DefaultDeny: cfg.DefaultDeny, AgentArgs: cfg.AgentArgs, Plan: p}
	if st.Source, err = filepath.Abs(cfg.Manifests); err != nil {
		return nil, fmt.Errorf("up cluster %s: %w", cfg.Name, err)
	}
	if cfg.Agents {
		if st.AgentBin, err = agents.FindBin(cfg.AgentBin); err != nil {
			return nil, fmt.Errorf("up cluster %s: %w", cfg.Name, err)
		}
	}
	left, err := labns.List(plan.NetnsPrefix(cfg.Name))
	if err != nil {
		return nil, fmt.Errorf("up cluster %s: %w", cfg.Name, err)
	}
	if len(left) > 0 {
		return nil, fmt.Errorf("up cluster %s: network namespaces of an earlier cluster remain (%v), run: zeta-lab down --name %s: %w",
			cfg.Name, left, cfg.Name, state.ErrExists)
	}
	if err := state.Create(st); err != nil {
		return nil, fmt.Errorf("up cluster %s: %w", cfg.Name, err)
	}

	c := &Cluster{st: st, log: cfg.Logger}
	if err := c.locked(func() error { return c.build(ctx, set) }); err != nil {
		c.log.Error("up failed, tearing down", "cluster", c.Name(), "err", err)
		cleanup, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		return nil, fmt.Errorf("up cluster %s: %w", c.Name(), errors.Join(err, Down(cleanup, c.Name(), c.log)))
	}
	c.log.Info("cluster up", "cluster", c.Name(), "nodes", len(p.Nodes), "pods", len(p.Pods), "agents", cfg.Agents, "took", time.Since(start).Round(time.Millisecond))
	return c, nil
}

// build creates everything c's plan describes.
func (c *Cluster) build(ctx context.Context, set *manifest.Set) error {
	p := c.st.Plan
	if err := c.createNetns(p.Fabric()); err != nil {
		return err
	}
	if err := wire.Fabric(p.Fabric()); err != nil {
		return err
	}
	for _, n := range p.Nodes {
		if err := c.createNetns(n.Netns); err != nil {
			return err
		}
		if err := wire.Node(p.Fabric(), n); err != nil {
			return err
		}
	}
	for _, pod := range p.Pods {
		if err := c.addPod(pod); err != nil {
			return err
		}
	}
	if err := c.startServe(ctx); err != nil {
		return err
	}
	if err := c.configureServe(ctx); err != nil {
		return err
	}
	hash, err := materialize.Write(c.ManifestsDir(), set, p)
	if err != nil {
		return err
	}
	if !c.st.Agents {
		return nil
	}
	for _, n := range p.Nodes {
		if err := c.startAgent(n.Name); err != nil {
			return err
		}
	}
	return c.waitAgents(ctx, hash, p.Nodes...)
}

// createNetns creates a namespace and records it.
func (c *Cluster) createNetns(name string) error {
	if err := labns.Create(name); err != nil {
		return err
	}
	return c.st.AddNetns(name)
}
