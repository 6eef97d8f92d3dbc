// Package lab builds a sandbox Kubernetes cluster on one machine out of
// network namespaces, from a directory of Kubernetes YAML, so that the
// Zeta agent and the tests run against real sockets and a real kernel.
//
// Up builds a cluster: a fabric namespace with a bridge, a namespace per
// node (a router on the fabric), a namespace per pod behind a veth on its
// node (package wire, laid out by package plan), one detached process
// serving every pod's containerPorts (package serve), the manifests as the
// agents must see them (package materialize) and, optionally, one agent per
// node (package agents). Apply changes a running cluster to a changed
// directory. Probe and Matrix test reachability from inside the pods; Exec
// runs a command in a pod's namespace; Flows reads what the agents logged.
//
// A pod annotated zeta-lab/virtual: "true" is virtual: it exists only in
// the materialised manifests, so that the agents see one more workload (an
// identity, IP cache entries, a peer for policies to select) without the
// lab building anything for it. Its manifest must give a spec.nodeName that
// is none of the cluster's nodes (node-1..node-N and those named by pods
// that are not virtual), as no node is built for it, and a status.podIP, as
// no address is allocated for it. The lab creates no namespace, veth or
// server for it, and Pods, Pod, Probe, Matrix and Exec do not know it; its
// addresses are still reserved, so no real pod gets them. This is how a
// benchmark gives a policy a thousand peers.
//
// Everything a cluster creates carries its name and is recorded, step by
// step, in its state file (package state). Down removes it all, also after
// a crash and without a state file, by scanning for the cluster's
// namespaces, processes and bpffs directory; Up that fails half way calls
// Down before returning its error. Commands that change a cluster hold its
// lock, so a test and the CLI can act on one cluster safely.
//
// The servers run in a copy of the current executable: any binary that
// links this package (zeta-lab, a test binary) becomes the server process
// when started with ZETA_LAB_SERVE=NAME in its environment (see init).
package lab
