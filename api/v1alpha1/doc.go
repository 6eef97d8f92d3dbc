// Package v1alpha1 is the zeta.io/v1alpha1 API: ZeroTrustPolicy (namespaced)
// and ClusterZeroTrustPolicy (cluster-scoped), identity-aware policy with
// deny and audit rules, SPIFFE principals, mutual TLS, and HTTP rules with
// JWT authentication. docs/policy.md is the user reference.
//
// types.go and types_http.go hold the Go types and the kubebuilder markers
// from which controller-gen generates zz_generated.deepcopy.go and the CRDs
// in deploy/crds (make generate). The markers carry what the API server can
// check on its own: enums, ranges, patterns, size limits and CEL rules.
//
// validate*.go hold the complete validation the agent applies to every
// policy it reads, from the API server or a manifests directory:
// Validate returns an *InvalidError naming each invalid field as kubectl
// does, Warnings what is valid but matches nothing. ParsePrincipal parses
// a principal for the compiler. The tests check that the API server
// (its schema and CEL, run from k8s.io/apiextensions-apiserver) rejects
// what Validate rejects, except the few checks listed in agentOnly, and
// accepts what Validate accepts.
//
// +kubebuilder:object:generate=true
// +groupName=zeta.io
package v1alpha1
