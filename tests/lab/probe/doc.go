// Package probe is the client side of the servers of package serve: it
// opens a socket inside a source pod's network namespace and reports
// whether a destination pod's server answered through it.
//
// A TCP probe is allowed when the greeting of the expected pod arrives (a
// completed handshake alone is not enough: a proxy may complete it); a UDP
// probe when its datagram comes back, resent every 200ms until the timeout.
// Being blocked (a timeout, a refusal, a reset) is a result, not an error;
// errors are reserved for probes that could not run or were answered by the
// wrong pod.
package probe
