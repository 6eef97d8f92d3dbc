package tunnel

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/zeta-net/zeta/identity"
)

// handshake is one inbound TLS handshake: the identity it serves, the
// peer it proved, or why it was refused.
type handshake struct {
	in     *Inbound
	local  netip.Addr // the address the connection arrived on
	server spiffeid.ID
	peer   spiffeid.ID
	chain  []*x509.Certificate
	reason string
}

func (hs *handshake) fail(reason string, err error) error {
	hs.reason = reason
	return err
}

// config is the handshake's TLS configuration: TLS 1.3 with h2 only, no
// session resumption (every connection proves its client anew), and a
// client certificate required.
func (hs *handshake) config() *tls.Config {
	return &tls.Config{
		MinVersion:             tls.VersionTLS13,
		NextProtos:             []string{alpnH2},
		ClientAuth:             tls.RequireAnyClientCert,
		SessionTicketsDisabled: true,
		GetCertificate:         hs.certificate,
		VerifyConnection:       hs.verify,
	}
}

// certificate picks the SVID of the identity the client asked for by
// server name, or, without one, of the pod that owns the address the
// connection arrived on.
func (hs *handshake) certificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	var id spiffeid.ID
	if hello.ServerName != "" {
		var err error
		if id, err = ParseServerName(hello.ServerName); err != nil {
			return nil, hs.fail(ReasonUnknownServer, err)
		}
	} else {
		pod, ok := hs.in.cfg.Pods.Pod(hs.local)
		if !ok {
			return nil, hs.fail(ReasonUnknownServer, fmt.Errorf("no server name, and %s is no local pod", hs.local))
		}
		id = pod.ID
	}
	if !hs.in.cfg.Pods.Serves(id) {
		return nil, hs.fail(ReasonUnknownServer, fmt.Errorf("no local workload runs as %s", id))
	}
	svid, err := hs.in.cfg.SVIDs.SVID(hello.Context(), id)
	if err != nil {
		return nil, hs.fail(ReasonUnknownServer, fmt.Errorf("svid of %s: %w", id, err))
	}
	hs.server = id
	return tlsCertificate(svid), nil
}

// verify accepts a client whose chain is an X.509-SVID of the trust
// domain that verifies against the bundle and is not revoked.
func (hs *handshake) verify(cs tls.ConnectionState) error {
	id, err := identity.VerifyPeer(cs.PeerCertificates, hs.in.cfg.SVIDs.Bundles())
	hs.peer = id
	if err != nil {
		return hs.fail(peerReason(err), fmt.Errorf("verify client: %w", err))
	}
	if err := hs.in.admit(id); err != nil {
		return hs.fail(ReasonTrustDomain, err)
	}
	if hs.in.revoked(id) {
		return hs.fail(ReasonRevoked, fmt.Errorf("verify client: %s is revoked", id))
	}
	hs.chain = cs.PeerCertificates
	return nil
}

// errForeignTrustDomain refuses a peer of another trust domain, even one
// whose bundle the source holds (federation is not supported).
var errForeignTrustDomain = errors.New("peer is of a foreign trust domain")

func (in *Inbound) admit(id spiffeid.ID) error {
	if id.TrustDomain() != in.cfg.TrustDomain {
		return fmt.Errorf("%w: %s, want %s", errForeignTrustDomain, id, in.cfg.TrustDomain)
	}
	return nil
}

func (in *Inbound) revoked(id spiffeid.ID) bool {
	r, ok := in.cfg.SVIDs.(identity.Revocations)
	return ok && r.Revoked(id)
}

// tlsPeer is an established inbound TLS connection.
type tlsPeer struct {
	conn   net.Conn
	remote netip.AddrPort
	server spiffeid.ID
	peer   spiffeid.ID
	chain  []*x509.Certificate
	at     time.Time // the handshake, when the chain was valid
}
