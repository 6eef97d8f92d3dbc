// Package offline judges reachability between the pods of a manifest
// directory without a cluster: the answer the agents would give, computed
// from the same code and, where the kernel allows, by the same programs.
//
// Build places the pods as zeta-lab does (tests/lab/plan: pods without a
// node spread over the nodes, pods without addresses get them from their
// node's pod CIDR), names every namespace with its
// kubernetes.io/metadata.name label, and computes every node's desired
// maps with agent/desired, giving each local pod an endpoint number in
// place of an interface. The result, a Model, is pure data.
//
// An Evaluator judges the first packet of a connection at one hook of one
// node. BPF loads one private, unpinned datapath per node (bpf.Load), fills
// its maps with the node's desired state and runs zeta_from_pod or
// zeta_to_pod on a crafted frame through BPF_PROG_TEST_RUN; it needs root.
// Go answers from the same compiled entries with policy.Evaluate and an
// IP cache lookup in Go. Judge combines two hooks into the verdict on a
// connection: the source's egress and the destination's ingress must both
// let it through; a pod reaching itself never leaves its namespace and is
// always allowed.
//
// Matrix judges every ordered pair of a Model's pods, in the shape of
// zeta-lab's matrix; Explain says why one connection is allowed or denied.
//
// A BPF evaluator holds its datapaths (file descriptors and locked memory)
// until Close; the Go evaluator holds nothing.
package offline
