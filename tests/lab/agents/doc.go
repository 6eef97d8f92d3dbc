// Package agents runs the Zeta agent as the sandbox's nodes need it: one
// detached process per node, entered into the node's network namespace with
// nsenter (not `ip netns exec`, which remounts /sys and hides bpffs).
//
// The contract with the agent: it is started as
//
//	zeta-agent run --node NODE --manifests DIR --bpffs-root DIR --state-dir DIR [--default-deny] [FLAGS...]
//
// (FLAGS are the cluster's AgentArgs, such as exporters), writes its log to
// stdout/stderr (kept in STATE-DIR/agent.log), appends
// flow records to STATE-DIR/flows.jsonl, and serves GET /readyz over HTTP on
// the unix socket STATE-DIR/health.sock, answering 200 with
// {"ready":true,"applied":HASH,"endpoints":N} once it enforces the
// manifests whose manifest.Set.Hash is HASH. `zeta-agent uninstall
// --bpffs-root DIR` removes what it left in the kernel.
package agents
