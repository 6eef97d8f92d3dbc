// Package bpf owns Zeta's datapath: the eBPF C under this directory, the
// objects bpf2go compiles from it (committed, so that building Zeta needs
// no clang), and loading them with their maps pinned in bpffs.
//
// One pair of programs serves every local endpoint: zeta_from_pod runs at
// TCX ingress of a pod's host-side veth (what the pod sends) and
// zeta_to_pod at TCX egress (what it receives). Each finds its endpoint in
// the endpoints map by the interface it runs on. The Go home of each map,
// with its key and value types, is a package under bpf/maps.
//
// Maps are pinned by name under a pin directory and outlive the agent: a
// new agent loads the same pinned maps, so enforcement carries on across
// restarts and upgrades.
package bpf
