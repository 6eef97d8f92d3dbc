package lab

import (
	"context"

	"github.com/zeta-net/zeta/agent/health"
)

// AgentStatus asks node's agent what it enforces.
func (c *Cluster) AgentStatus(ctx context.Context, node string) (health.Status, error) {
	return c.agent(node).Status(ctx)
}
