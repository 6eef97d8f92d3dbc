// Package jwt verifies JSON Web Tokens (RFC 7519) for the L7 proxy, as
// RFC 7515 and the JWT BCP (RFC 8725) demand, on top of go-jose: the
// signature (compact serialization only) with a key of the provider's key
// set whose declared algorithm is the token's, then the registered claims
// (iss exact, aud string or array, exp and nbf with a clock skew), then
// what a rule requires (scopes, claims).
//
// Algorithms: RS256, RS384, RS512, PS256, ES256, ES384 (raw R||S
// signatures only, as go-jose checks the length) and EdDSA (Ed25519).
// HMAC is never accepted: a provider publishes public keys, and an HS256
// token "signed" with one is the classic key-confusion attack. "none", in
// any spelling, and a missing alg fail parsing, since go-jose parses only
// the algorithms it is given.
//
// A KeySet is an immutable parsed JWKS; KeySource is where a Verifier
// gets the current one (package jwks has inline, file and https
// sources). Cache remembers verified tokens by their SHA-256, bounded in
// size and by each token's expiry, so that a token seen again costs a
// hash and a map lookup instead of a signature verification.
//
// Files: keyset.go (JWKS parsing, algorithm per key), provider.go (a
// provider's settings and where tokens are read from), verify.go,
// claims.go (claims and what rules require of them), cache.go, errors.go.
package jwt
