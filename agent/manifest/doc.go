// Package manifest reads a directory of Kubernetes YAML into the objects
// Zeta cares about: Namespaces, Pods, NetworkPolicies, and Zeta's own
// ZeroTrustPolicies and ClusterZeroTrustPolicies (api/v1alpha1). The
// standalone agent, the sandbox and the offline tools all read cluster
// state through it, so they agree on what a directory means. Decoding is
// not validation: callers validate policies (v1alpha1's Validate) where
// they compile them.
package manifest
