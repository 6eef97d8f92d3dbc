// Package tunnel carries intercepted pod connections between nodes over
// HBONE, as Istio ambient's ztunnel does: HTTP/2 CONNECT streams inside
// mutual TLS 1.3 between the node agents, on port 15008.
//
// Outbound serves a listener of intercepted connections (a transparent
// listener: an accepted socket's local address is the original
// destination). For each, the agent's Resolver names the source workload
// and where the destination lives; Outbound opens, or reuses from its
// pool, a TLS connection to the destination node with the source
// workload's SVID, checks that the server proves the destination
// workload's SPIFFE ID, and sends a CONNECT for the original destination.
// Connections are pooled per (source identity, destination node,
// destination identity): the server's certificate is the destination
// workload's, so one TLS connection speaks for one pair of identities.
//
// The client names the identity it expects in the TLS server name
// (ServerName), an encoding of the SPIFFE ID, so that one Inbound serves
// every workload on its node, each with its own SVID. Without a server
// name, the Inbound picks the workload that owns the address the
// connection arrived on (a tunnel terminated on the pod's address).
//
// Inbound terminates the TLS, verifies the client's chain as an
// X.509-SVID of the agent's trust domain, and for each CONNECT checks that
// the target is a local pod of the identity the connection serves,
// authorizes the peer's SPIFFE ID for it, dials it and splices the bytes.
// Reauthorize re-evaluates every live stream after a policy change.
//
// Both sides keep a table of live streams (Connections) and report each
// tunnelled or refused connection once, when it ends, as a Record; the
// Record callback runs on the stream's goroutine and must not block.
//
// The tunnel sets up TLS itself (to pick certificates per connection and
// name the reason of every refusal) and runs net/http's HTTP/2 on top
// with prior knowledge, ALPN h2 having been agreed in the handshake.
// Beneath TLS, a batching layer writes the records of one HTTP/2 write in
// one system call and reads several records per system call.
//
// Half-close: the source's FIN becomes END_STREAM and then a FIN to the
// pod, while the pod's answer keeps flowing. The pod's FIN ends the
// stream: net/http ends a response only by returning from the handler,
// which also stops reading the request, so bytes the source sends after
// the pod half-closed are dropped. A reset on either side resets the
// other (RST_STREAM in the tunnel, a TCP reset to the pod or the source).
//
// Lifetimes: Serve runs until its context is done or Shutdown/Close is
// called; Shutdown stops accepting, lets live streams finish until its
// context is done and then aborts them. Pooled client connections close
// when idle, on GOAWAY or error, and when the source's SVID rotates and
// their last stream ends.
package tunnel
