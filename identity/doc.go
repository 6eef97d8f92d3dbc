// Package identity owns workload identity in SPIFFE terms: the SPIFFE ID
// each pod has, spiffe://<trust-domain>/ns/<namespace>/sa/<serviceaccount>.
// Flow records carry it; SVID issuance (built-in CA, SPIRE) builds on it.
package identity
