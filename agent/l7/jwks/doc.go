// Package jwks provides the key sets of JWT providers (jwt.KeySource):
// inline in the policy (Static), in a file on the node (File, reloaded
// when it changes) and at an https URL (Remote, cached and refreshed).
// Pool shares one source among every provider that names the same set,
// so a recompiled policy keeps a Remote's cache and rate limits.
//
// Remote's rules, in its own words: the set is fetched on first use and
// again once Refresh has passed; a token whose kid the set lacks triggers
// a fetch too. Fetches (and failed ones) are at least MinRefetch apart,
// so neither unknown kids nor a down issuer make it hammer the URL. While
// fetches fail the last good set keeps verifying, until MaxStale after
// the last successful fetch (default 12 hours): then the set is dropped
// and tokens are refused (reason keys-unavailable) until the issuer
// answers. Twelve hours rides out an issuer's outage of a working day
// while bounding how long a key it has since revoked can still be
// trusted. One fetch runs at a time; while it runs, requests use the set
// in hand instead of waiting, except the very first, which has none.
//
// Files: static.go, file.go, remote.go, pool.go.
package jwks
