// Package apiserver serves the agent's gRPC API, zeta.observer.v1.Observer
// (api/zeta/observer/v1): status, endpoints, identities, an endpoint's
// policy, conntrack, counters, and flow records as a stream.
//
// What the datapath holds is read from the pinned maps and links through
// agent/inspect, the same readers zetactl uses when no agent runs, so
// both paths show the same thing. What only the running agent knows (its
// version and health, the pods behind endpoints, the flow pipeline) comes
// from a Live function and the flow.Pipeline; agent/wire converts to the
// API's messages.
//
// Listeners: always the unix socket <state-dir>/zeta.sock, mode 0600 in
// the agent's 0700 state directory, so only root may connect; and, when
// Config.Address is set, TCP behind mutual TLS: the server presents the
// certificate in Config.TLSCert/TLSKey and accepts only clients whose
// X.509-SVID chains to a CA in Config.TLSCA and whose SPIFFE ID is one of
// Config.AllowedSPIFFEIDs (go-spiffe's tlsconfig.AuthorizeOneOf). The
// files are read again on every handshake, so rotated certificates apply
// to the next connection.
//
// Serve runs until its context ends, then stops both listeners; open
// ObserveFlows streams end with it.
package apiserver
