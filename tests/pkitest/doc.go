// Package pkitest mints throwaway certificates for tests, written as PEM
// files: a CA (Authority) that signs leaves, either plain TLS server and
// client certificates (Mint: what the exporters' receivers and clients
// present) or X.509-SVIDs that carry a SPIFFE ID (Authority.SVID: what
// the agent's TCP API and its clients present). Everything lives in the
// directory the test gives, so it goes with the test.
package pkitest
