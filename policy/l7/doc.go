// Package l7 compiles the policies that apply to a pod's port into what
// the L7 proxy judges requests with: the rules, in the order of their
// RuleRefs, each with its verdict, the peer identities it matches, its
// HTTP rules and the JWT providers of its policy.
//
// Which rules apply, and to which peers, comes from package policy
// (Compiler.RulesAt), so the proxy and the datapath agree on selection:
// pod and namespace selectors, principals and CIDRs evaluated over
// identities, named ports resolved on the pod. Every applicable rule is
// kept, not only the strongest per peer as the datapath's entries are: a
// request is allowed by any Allow rule that matches it (one without HTTP
// rules, of any policy kind, allows every request), denied by any Deny
// rule and let through logged by any Audit rule, as at L4.
//
// Egress rules with HTTP rules are not compiled here: the proxy judges
// requests at their destination.
//
// The package does no I/O; agent/l7/authz turns a Policy into a judge.
package l7
