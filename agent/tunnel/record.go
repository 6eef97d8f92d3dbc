package tunnel

import (
	"net/netip"
	"time"
)

// Directions, as agent/flow names them: of the local endpoint.
const (
	Egress  = "egress"  // Outbound: a local pod's connection leaving the node
	Ingress = "ingress" // Inbound: a peer's stream to a local pod
)

// Verdicts, as agent/flow names them.
const (
	Allowed = "ALLOWED"
	Denied  = "DENIED"
)

// Reasons a connection was refused or ended early; a record's DropReason.
const (
	ReasonNoSourceIdentity = "NO_SOURCE_IDENTITY" // the source address has no workload or SVID
	ReasonNoRoute          = "NO_ROUTE"           // the resolver does not know the destination
	ReasonTunnelFailed     = "TUNNEL_FAILED"      // no TLS connection or stream to the destination node
	ReasonServerIdentity   = "SERVER_IDENTITY"    // the server proved another identity than expected
	ReasonHandshake        = "TLS_HANDSHAKE"      // not TLS 1.3 with h2, or the handshake failed or timed out
	ReasonNoCertificate    = "NO_CERTIFICATE"     // the client presented no certificate
	ReasonNoSPIFFEID       = "NO_SPIFFE_ID"       // the client certificate has no SPIFFE ID URI SAN
	ReasonTrustDomain      = "FOREIGN_TRUST_DOMAIN"
	ReasonExpired          = "CERT_EXPIRED"
	ReasonUntrusted        = "UNTRUSTED_CHAIN"
	ReasonRevoked          = "IDENTITY_REVOKED"
	ReasonUnknownServer    = "UNKNOWN_SERVER_NAME" // no local workload has the identity asked for
	ReasonBadRequest       = "BAD_REQUEST"         // not a CONNECT, or no ip:port authority
	ReasonNotLocal         = "NOT_LOCAL_POD"
	ReasonMisdirected      = "MISDIRECTED" // the target pod is not of the identity the TLS connection serves
	ReasonPolicy           = "POLICY_DENIED"
	ReasonPolicyRevoked    = "POLICY_REVOKED" // denied by Reauthorize while live
	ReasonTrustRevoked     = "TRUST_REVOKED"  // the peer's chain no longer verifies after a bundle change
	ReasonUnreachable      = "POD_UNREACHABLE"
	ReasonRefused          = "REFUSED_BY_PEER" // the destination agent refused, without a reason
)

// Peer is one end of a tunnelled connection. Field names follow
// agent/flow.Peer.
type Peer struct {
	IP        netip.Addr
	Port      uint16
	SPIFFEID  string
	Namespace string
	Pod       string
}

// ConnInfo describes a live tunnelled connection.
type ConnInfo struct {
	Direction   string // Egress or Ingress
	Source      Peer
	Destination Peer
	// Tunnel is the other agent's address: the destination node's tunnel
	// address on egress, the source node's address on ingress. It is
	// invalid for a pass-through connection.
	Tunnel  netip.AddrPort
	Start   time.Time
	Verdict string // Allowed or Denied
	// Policy names the rule that allowed or denied, on ingress.
	Policy string
	// BytesToDestination and BytesToSource count payload each way.
	BytesToDestination uint64
	BytesToSource      uint64
}

// Record is reported once per connection, when it ends or is refused.
type Record struct {
	ConnInfo
	End time.Time
	// DropReason is one of the Reason constants when the connection was
	// refused or cut short by the tunnel; empty otherwise.
	DropReason string
	// Error says what went wrong, for a person.
	Error string
}

// peerRefusal is the reason a destination agent gave, if it is one of
// the reasons a stream is refused for; the peer's text is not trusted
// into records otherwise.
func peerRefusal(reason string) string {
	switch reason {
	case ReasonBadRequest, ReasonNotLocal, ReasonMisdirected, ReasonPolicy, ReasonUnreachable:
		return reason
	}
	return ReasonRefused
}
