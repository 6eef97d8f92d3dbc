// Package inspect reads one node's Zeta state for zetactl and the agent's
// API server (agent/apiserver), so both show the same thing: the maps and
// links the datapath pinned in bpffs, and the files the agent keeps in its
// state directory (identities.json, flows.jsonl, health.sock). It never
// writes any of them, so it works the same whether or not an agent runs.
//
// A Node names the two locations. Each of its readers (Endpoints,
// Identities, IPCache, Policy, Conntrack, Metrics, Status) opens the pins
// it needs read-only, decodes them through the map packages under
// bpf/maps, closes them before returning, and returns a value with names
// in place of numbers: identities with their labels, flags, protocols,
// port ranges, verdicts. FlowReader reads and follows the flow log.
//
// Every result shows as one or more Tables; a Printer writes results as
// tables, JSON or YAML, and streams (flows) as lines, JSON lines or YAML
// documents, so every command formats its output the same way.
package inspect
