package lab

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/zeta-net/zeta/tests/lab/materialize"
	"github.com/zeta-net/zeta/tests/lab/plan"
)

// Apply changes the cluster to the manifests in dir: pods that stay keep
// their node and addresses, removed pods lose their namespace, new pods get
// one, and the materialised manifests follow. With agents, it returns once
// every agent enforces the new manifests.
func (c *Cluster) Apply(ctx context.Context, dir string) error {
	err := c.locked(func() error {
		set, err := load(dir)
		if err != nil {
			return err
		}
		next, err := c.st.Plan.Update(set)
		if err != nil {
			return err
		}
		gone, added := plan.Diff(c.st.Plan, next)
		if len(gone) > 0 {
			for _, pod := range gone {
				c.st.Plan.Remove(pod.Key())
			}
			// Close the servers' sockets first: they would keep the
			// namespaces alive.
			if err := c.configureServe(ctx); err != nil {
				return err
			}
			for _, pod := range gone {
				if err := c.removePod(pod); err != nil {
					return err
				}
			}
		}
		for _, pod := range added {
			if err := c.addPod(pod); err != nil {
				return errors.Join(err, c.removePod(pod))
			}
			c.st.Plan.Add(pod)
			if err := c.st.Save(); err != nil {
				return err
			}
		}
		c.st.Plan = next // the same pods, with their current ports
		if err := c.configureServe(ctx); err != nil {
			return err
		}
		hash, err := materialize.Write(c.ManifestsDir(), set, next)
		if err != nil {
			return err
		}
		if c.st.Source, err = filepath.Abs(dir); err != nil {
			return err
		}
		if err := c.st.Save(); err != nil {
			return err
		}
		c.log.Info("applied", "cluster", c.Name(), "dir", dir, "removed", len(gone), "added", len(added))
		if !c.st.Agents {
			return nil
		}
		return c.waitAgents(ctx, hash, c.st.Plan.Nodes...)
	})
	if err != nil {
		return fmt.Errorf("apply %s to cluster %s: %w", dir, c.Name(), err)
	}
	return nil
}
