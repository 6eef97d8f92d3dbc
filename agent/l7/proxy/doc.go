// Package proxy is the agent's L7 proxy: an HTTP server that judges each
// request with its destination's authz.Engine and forwards the allowed
// ones to the workload, over HTTP/1.1 or HTTP/2 (h2c, prior knowledge)
// as it came.
//
// Connections reach it already accepted, with what the proxy cannot see
// on its own: the original destination, the peer's identity and, through
// the mutual-TLS tunnel, its SPIFFE ID (Meta). ServeConn serves one such
// connection until it closes and is what the interception and the tunnel
// call; Serve runs the same over a listener with a function that finds a
// connection's Meta. Each served connection has its own upstream
// transports, dialled with Config.Dial and closed with it, so upstream
// connections are never shared between peers.
//
// Every request yields a Record (Config.Record) and counts in
// zeta_l7_requests_total{decision,reason}. Tokens are never logged or
// recorded; paths are recorded without their query.
//
// Wiring it into the agent: compile each redirected (pod, port) with
// policy/l7.Compiler and authz.Compile (sharing one jwks.Pool and one
// jwt.Verifier with a jwt.Cache across recompilations), look the engine
// up by Meta.Destination in Config.Engine, dial the workload's address in
// Config.Dial, and turn Records into flow records.
//
// Files: server.go (Config, ServeConn, Serve), handler.go (one request),
// upstream.go (forwarding), record.go (records and metrics).
package proxy
