// Package policy turns cluster state (Namespaces, Pods, NetworkPolicies)
// into what the datapath enforces for one endpoint: whether each direction
// is enforced (default deny) and the policy entries, keyed by peer
// identity, protocol and port prefix, each with a verdict and the rule that
// produced it.
//
// Selectors are evaluated over identities, not pods: every pod of one
// identity has the same labels and namespace, so a selector either matches
// all of them or none, and a new pod of a known identity changes no entry.
package policy
