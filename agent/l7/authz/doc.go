// Package authz judges HTTP requests against a pod port's L7 policy
// (policy/l7): the rules that apply to the request's peer, their HTTP
// rules (Matcher) and their JWT requirements (package jwt).
//
// Decide, in order:
//  1. Rules whose peers include the request's peer identity apply; with
//     none, a port whose ingress is enforced denies (403 no-rule), one
//     that is not allows (not-enforced).
//  2. A Deny rule denies (403 deny-rule); else an Audit rule lets the
//     request through as audited (audit-rule); the datapath gives these
//     the same precedence over Allow.
//  3. An Allow rule without HTTP rules allows. One with HTTP rules allows
//     if an HTTP rule matches the request and, if it requires a JWT, one
//     of its providers verifies the request's token (authentication) and
//     the token carries the required scopes and claims (authorization).
//  4. Nothing allowed: 403 insufficient-scope if some matching rule
//     authenticated the token but found a scope or claim missing; else
//     401 token-<why> if some matching rule required a token that was
//     missing or invalid; else 403 no-match. So an expired token with the
//     right scope is a 401: authentication comes first.
//
// In audit mode (the agent's, or the namespace's zeta.io/audit-mode), a
// request that would be denied is let through and its decision says so.
//
// An allowed request carries the claims of its token to the workload in
// the headers its provider's forwardClaims name; those headers are
// removed from every request first, whatever rule allows it, so a client
// cannot forge them. A provider with removeToken has its token's header
// removed.
//
// Files: match.go (HTTP rules), engine.go (compiling a policy), decide.go,
// decision.go.
package authz
