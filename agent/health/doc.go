// Package health serves the agent's local HTTP endpoints on a unix socket:
// /healthz (the process is alive), /readyz (enforcing the latest state the
// source described) and /metrics (Prometheus); ServeTCP serves a handler
// on a TCP address as well: the metrics for scrapers, and Probes (/healthz
// and /readyz alone) for the kubelet's probes. Gate folds readiness Checks
// that other components own into the agent's Status.
//
// The agent owns the Status (agent.Agent's reconcile loop) and the
// listeners (started by agent.Run, closed when its context ends); Checks
// are registered before Run and called on every /readyz.
package health
