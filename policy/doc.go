// Package policy turns cluster state (Namespaces, Pods, NetworkPolicies,
// ZeroTrustPolicies and ClusterZeroTrustPolicies) into what the datapath
// enforces for one endpoint: whether each direction is enforced (default
// deny) and the policy entries, keyed by peer identity, protocol and port
// prefix, each with a verdict (allow, deny, audit, or redirect to a
// proxy) and the rule that produced it.
//
// Selectors are evaluated over identities, not pods: every pod of one
// identity has the same labels, namespace and service account, so a
// selector either matches all of them or none, and a new pod of a known
// identity changes no entry. This holds for the endpoints a policy selects
// as for its peers. Address blocks (NetworkPolicy ipBlock,
// ZeroTrustPolicy cidr) select identities too: every prefix a policy names
// has a CIDR identity, and an identity's labels list the named prefixes
// containing its addresses (secid.CIDRSet), so a block with exceptions
// selects exactly the identities inside it and outside them, pods'
// addresses included. Principals select pod identities by namespace and
// service account.
//
// A Compiler reads the policies (SetPolicies), then the identities
// (SetPeers), and compiles endpoints (Compile), remembering what it can
// between rounds; Validate and the API package's Validate are the API
// server's checks, which the Compiler applies so that it never interprets
// an object the API server would have refused. Normalize is the invariant
// that lets the datapath's longest-prefix trie answer with the strongest
// verdict, and Evaluate is that datapath lookup in Go, for offline answers
// and to cross-check the kernel. Intercepts reduces an endpoint's ingress
// redirects to the ports a connection's source must steer into a proxy.
//
// Files: compiler.go (rounds and the cache), compile.go (one endpoint),
// netpol.go and ztp.go (the two policy kinds into sources and rules),
// source.go (rules and their resolution), peer.go, principal.go and
// index.go (peer selection), port.go and namedport.go, entry.go, key.go,
// normalize.go, evaluate.go, intercept.go, validate.go (NetworkPolicy
// validation).
package policy
