// Package suite runs the pod-to-pod benchmark behind `make bench`: the
// same two pods, a client on node-1 and a server on node-2 of a sandbox
// cluster (tests/lab), under each Setup: no agent, Zeta with one rule,
// Zeta with 10,000 rules over 1,000 identities, and no agent but iptables
// holding the same 10,000 rules, with and without an ESTABLISHED shortcut.
//
// Every setup gets its own cluster, built once (Up) and kept for the whole
// run, so that the rounds can interleave them: each round measures every
// setup once, in an order that rotates from round to round, and each
// result is the median over rounds. A measurement is TCP throughput with
// iperf3 and RR/CRR latency with package load, whose client and server
// run in the pods as this binary, re-executed under nsenter (Cluster.Exec).
// Clusters have unique names and are removed when Run returns, also on
// failure or cancellation.
//
// Before the clusters, Run measures the datapath program alone
// (package bpfbench). Report renders everything as Markdown.
package suite
