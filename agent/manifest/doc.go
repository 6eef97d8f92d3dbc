// Package manifest reads a directory of Kubernetes YAML into the objects
// Zeta cares about: Namespaces, Pods and NetworkPolicies. The standalone
// agent, the sandbox and the offline tools all read cluster state through
// it, so they agree on what a directory means.
package manifest
