// Package identity owns workload identity in SPIFFE terms: the SPIFFE ID
// each pod has, spiffe://<trust-domain>/ns/<namespace>/sa/<serviceaccount>.
// Flow records carry it; SVID issuance builds on it.
//
// SVIDSource is what the mutual TLS tunnel needs from an identity
// provider: a current X.509 SVID per local workload, the trust bundles
// to verify peers with, and readiness. Two implementations exist:
// identity/builtinca, the embedded CA, and identity/spire, SPIRE's
// Delegated Identity API. Sources that act per workload also implement
// WorkloadSetter; sources with a deny list implement Revocations.
//
// VerifyPeer is the one place a peer's certificate chain becomes a
// SPIFFE ID, with a distinct error per refusal reason. LiveBundles lets a
// source swap its trust bundles under verifiers that keep a reference.
package identity
