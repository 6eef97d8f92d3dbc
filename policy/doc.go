// Package policy turns cluster state (Namespaces, Pods, NetworkPolicies)
// into what the datapath enforces for one endpoint: whether each direction
// is enforced (default deny) and the policy entries, keyed by peer
// identity, protocol and port prefix, each with a verdict and the rule that
// produced it.
//
// Selectors are evaluated over identities, not pods: every pod of one
// identity has the same labels and namespace, so a selector either matches
// all of them or none, and a new pod of a known identity changes no entry.
//
// Compile reads an Input and a pod and returns its EndpointPolicy with
// upstream NetworkPolicy semantics; Validate is the API server's check,
// which Compile applies so that it never interprets an object the API
// server would have refused. Normalize is the invariant that lets the
// datapath's longest-prefix trie answer with the strongest verdict, and
// Evaluate is that datapath lookup in Go, for offline answers and to
// cross-check the kernel. Everything here is pure: no state outlives a
// call.
package policy
