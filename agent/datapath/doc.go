// Package datapath is the agent's handle on the kernel: it loads the
// endpoint programs, creates or adopts the pinned maps, and attaches the
// programs to endpoints' host-side veths with TCX links that it pins too.
//
// Layout under the bpffs root: maps/<map name> and
// links/tcx-<ifindex>-<ingress|egress>. Everything pinned outlives the
// agent, so enforcement carries on while no agent runs; Open adopts it
// (a pinned link gets the new program atomically through BPF_LINK_UPDATE)
// and Uninstall removes it.
//
// The policy route that delivers connections steered into the proxy
// (proxyroute.go) lives in the node's network namespace, not in bpffs: the
// agent installs it before the first intercept entry, and `zeta-agent
// uninstall` removes it with RemoveProxyRoute.
package datapath
