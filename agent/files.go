package agent

// Files the agent keeps in its state directory; zetactl reads them too.
const (
	// IdentitiesFile is secid.Allocator's numbering.
	IdentitiesFile = "identities.json"
	// RulesFile maps the rule IDs in policy entries to the rules (policy.RuleRef).
	RulesFile = "rules.json"
	// FlowsFile is the JSON-lines flow log.
	FlowsFile = "flows.jsonl"
	// HealthSocket serves /healthz, /readyz and /metrics.
	HealthSocket = "health.sock"
)
