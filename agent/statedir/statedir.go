// Package statedir names what the agent keeps in its state directory, so
// that the agent, zetactl, the API server and the lab agree on the paths
// without importing one another.
package statedir

// Files and sockets in the state directory.
const (
	// Identities is secid.Allocator's numbering.
	Identities = "identities.json"
	// Rules maps the rule IDs in policy entries to the rules (policy.RuleRef).
	Rules = "rules.json"
	// Flows is the JSON-lines flow log.
	Flows = "flows.jsonl"
	// HealthSocket serves /healthz, /readyz and /metrics over HTTP.
	HealthSocket = "health.sock"
	// APISocket serves the gRPC API (zeta.observer.v1.Observer).
	APISocket = "zeta.sock"
)
