package source

// Verdict is the agent's conclusion about one policy object a Source sent.
type Verdict struct {
	// Kind is ZeroTrustPolicy or ClusterZeroTrustPolicy; Namespace is
	// empty for the cluster-scoped kind.
	Kind, Namespace, Name string
	// Generation is that of the object the agent validated.
	Generation int64
	// Err says why the policy is invalid and enforced nowhere; nil when it
	// is accepted.
	Err error
	// Warnings are what an accepted policy says that matches nothing.
	Warnings []string
}

// Reporter is implemented by a Source that tells the verdicts back where
// the policies came from (Kubernetes: status conditions and Events). After
// each reconcile the agent passes one verdict for every ZeroTrustPolicy
// and ClusterZeroTrustPolicy it holds. Report must not block.
type Reporter interface {
	Report([]Verdict)
}
