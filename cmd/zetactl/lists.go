package main

import (
	"github.com/spf13/cobra"

	"github.com/zeta-net/zeta/agent/inspect"
)

func endpointListCmd(o *options) *cobra.Command {
	return o.list("list", "List local endpoints",
		`List the local endpoints from the pinned endpoints map: ifindex of the
host-side veth, endpoint ID, security identity with its labels, and the
enforcement flags (enforce-ingress, enforce-egress, audit-ingress,
audit-egress). An endpoint without flags allows everything.`,
		func() (inspect.Tabler, error) { return o.node.Endpoints() })
}

func identityListCmd(o *options) *cobra.Command {
	return o.list("list", "List security identities",
		`List the reserved identities, the identities the agent numbered (its
identities.json) and any other the IP cache maps to, with their labels and
how many IP cache prefixes map to each.`,
		func() (inspect.Tabler, error) { return o.node.Identities() })
}

func ipcacheListCmd(o *options) *cobra.Command {
	return o.list("list", "List the IP cache",
		`List every prefix of the pinned IPv4 and IPv6 IP caches with the
security identity behind it.`,
		func() (inspect.Tabler, error) { return o.node.IPCache() })
}

func metricsCmd(o *options) *cobra.Command {
	return o.list("metrics", "Show the datapath's packet and byte counters",
		`Show the datapath's counters from the pinned metrics map, summed over
CPUs: packets and bytes by endpoint ID, direction, verdict and reason.`,
		func() (inspect.Tabler, error) { return o.node.Metrics() })
}
