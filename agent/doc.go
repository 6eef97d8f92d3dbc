// Package agent is the node agent: it keeps the cluster state that a
// source.Source streams, turns it into what this node's datapath must hold
// (identities in the IP cache, local endpoints with their policy entries)
// and writes the difference into the pinned maps, make-before-break. It
// attaches the endpoint programs to every local pod's host-side veth,
// turns the datapath's flow events into flow records for its exporters and
// observers, serves its gRPC API (agent/apiserver) on <state-dir>/zeta.sock,
// and reports health and metrics.
//
// One goroutine owns the state and the maps (Run's loop); the flow reader,
// the API and the health server read immutable snapshots it publishes.
// observe.go wires the flow fan-out, the API, the metrics and probe
// listeners and the readiness checks of other components.
package agent
