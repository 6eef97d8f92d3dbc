// Package builtinca is Zeta's embedded SVID source: a small certificate
// authority that issues X.509 SVIDs for the workloads on its node.
//
// # The CA directory
//
// The CA lives in one directory (Config.Dir), by default in the agent's
// state directory:
//
//	root.crt          trust anchors (PEM, one or more roots): the trust bundle
//	root.key          key of the root that signs, mode 0600 (self-managed mode)
//	intermediate.crt  signing intermediate, then any further intermediates (operator mode)
//	intermediate.key  its key, mode 0600
//	revoked-ids       deny list: one SPIFFE ID per line, # comments
//
// Self-managed mode: when the directory has no root.crt, New creates a
// self-signed ECDSA P-256 root and its key there. Operator mode: the
// operator puts their root in root.crt (without its key) and an
// intermediate it signed, with the intermediate's key; the intermediate
// then signs and is sent with every SVID, and the root key never reaches
// a node. Key files that give group or others any access are refused. In
// Kubernetes the directory is a Secret mounted readable by the agent only
// (defaultMode 0400).
//
// # Trust bundle distribution
//
// Every agent of a trust domain must trust the same roots. In standalone
// mode (the sandbox) all agents are given the same directory: the first
// to start creates the root under the directory's lock and the others
// load it. Run rereads the directory every PollInterval and, when a file
// changed, swaps the bundle that Bundles returns in place, so a verifier
// holding it sees the change at its next handshake without restarting
// listeners or connections. A root rotation is three edits, each left to
// reach every agent (one poll interval) before the next: append the new
// root to root.crt (both are trusted); replace root.key with the new
// root's key (SVIDs are reissued by the new root); after one SVID TTL,
// remove the old root from root.crt. A directory that fails to load
// (a half-written rotation, a bad file) is logged and the CA keeps its
// last good state.
//
// # SVIDs
//
// SVIDs carry the workload's SPIFFE ID as their only URI SAN, have fresh
// ECDSA P-256 keys that exist only in memory, live Config.SVIDTTL (1 h by
// default, never past the signer's expiry) and are replaced at half-life:
// SVID returns the held one until then and Run replaces them ahead of
// use. A revoked ID (RevokeID, or a line in revoked-ids) gets no SVID,
// and Revoked lets verifiers refuse peers presenting one still valid.
package builtinca
