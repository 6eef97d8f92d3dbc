package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/zeta-net/zeta/agent/apiclient"
	"github.com/zeta-net/zeta/agent/inspect"
)

func endpointListCmd(o *options) *cobra.Command {
	return o.agentList("list", "List local endpoints",
		`List the local endpoints from the pinned endpoints map: ifindex of the
host-side veth, endpoint ID, security identity with its labels, and the
enforcement flags (enforce-ingress, enforce-egress, audit-ingress,
audit-egress), and, when the agent answers, the pod. An endpoint without
flags allows everything.`,
		func(ctx context.Context, c *apiclient.Client) (inspect.Tabler, error) { return c.Endpoints(ctx) },
		func() (inspect.Tabler, error) { return o.node.Endpoints() })
}

func identityListCmd(o *options) *cobra.Command {
	return o.agentList("list", "List security identities",
		`List the reserved identities, the identities the agent numbered (its
identities.json) and any other the IP cache maps to, with their labels and
how many IP cache prefixes map to each.`,
		func(ctx context.Context, c *apiclient.Client) (inspect.Tabler, error) { return c.Identities(ctx) },
		func() (inspect.Tabler, error) { return o.node.Identities() })
}

func ipcacheListCmd(o *options) *cobra.Command {
	return o.list("list", "List the IP cache",
		`List every prefix of the pinned IPv4 and IPv6 IP caches with the
security identity behind it.`,
		func() (inspect.Tabler, error) { return o.node.IPCache() })
}

func metricsCmd(o *options) *cobra.Command {
	return o.agentList("metrics", "Show the datapath's packet and byte counters",
		`Show the datapath's counters from the pinned metrics map, summed over
CPUs: packets and bytes by endpoint ID, direction, verdict and reason.
The agent's own metrics (flow records, lost events, exporter queues) are
on its Prometheus endpoint; see docs/flows.md.`,
		func(ctx context.Context, c *apiclient.Client) (inspect.Tabler, error) { return c.Metrics(ctx) },
		func() (inspect.Tabler, error) { return o.node.Metrics() })
}

// endpointPolicy reads an endpoint's policy from the agent, or from the
// pins when it does not run; for "policy get".
func (o *options) endpointPolicy(ctx context.Context, ref uint32) (*inspect.EndpointPolicy, error) {
	v, err := o.ask(ctx,
		func(ctx context.Context, c *apiclient.Client) (inspect.Tabler, error) { return c.Policy(ctx, ref) },
		func() (inspect.Tabler, error) { return o.node.Policy(ref) })
	if err != nil {
		return nil, err
	}
	return v.(*inspect.EndpointPolicy), nil
}
