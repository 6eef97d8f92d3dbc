package agent

import "github.com/zeta-net/zeta/agent/statedir"

// Files the agent keeps in its state directory; zetactl reads them too.
// The names live in package statedir, which readers import without
// importing the agent.
const (
	// IdentitiesFile is secid.Allocator's numbering.
	IdentitiesFile = statedir.Identities
	// RulesFile maps the rule IDs in policy entries to the rules (policy.RuleRef).
	RulesFile = statedir.Rules
	// FlowsFile is the JSON-lines flow log.
	FlowsFile = statedir.Flows
	// HealthSocket serves /healthz, /readyz and /metrics.
	HealthSocket = statedir.HealthSocket
	// APISocket serves the gRPC API.
	APISocket = statedir.APISocket
)
