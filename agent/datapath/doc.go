// Package datapath is the agent's handle on the kernel: it loads the
// endpoint programs, creates or adopts the pinned maps, and attaches the
// programs to endpoints' host-side veths with TCX links that it pins too.
//
// Layout under the bpffs root: maps/<map name> and
// links/tcx-<ifindex>-<ingress|egress>. Everything pinned outlives the
// agent, so enforcement carries on while no agent runs; Open adopts it
// (a pinned link gets the new program atomically through BPF_LINK_UPDATE)
// and Uninstall removes it.
package datapath
