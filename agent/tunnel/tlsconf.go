package tunnel

import (
	"crypto/tls"
	"errors"
	"fmt"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
	"github.com/zeta-net/zeta/identity"
)

// alpnH2 is the only application protocol either side speaks.
const alpnH2 = "h2"

// errServerIdentity is the client's refusal of a server that proved an
// identity other than the destination workload's.
var errServerIdentity = errors.New("server proved an unexpected identity")

// tlsCertificate presents svid's chain and key.
func tlsCertificate(svid *x509svid.SVID) *tls.Certificate {
	c := &tls.Certificate{PrivateKey: svid.PrivateKey, Leaf: svid.Certificates[0]}
	for _, x := range svid.Certificates {
		c.Certificate = append(c.Certificate, x.Raw)
	}
	return c
}

// clientTLS is the configuration of a connection from a workload holding
// svid to the agent serving the workload server.
func clientTLS(svid *x509svid.SVID, bundles x509bundle.Source, server spiffeid.ID) *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{*tlsCertificate(svid)},
		ServerName:   ServerName(server),
		NextProtos:   []string{alpnH2},
		// The chain is verified as an X.509-SVID in VerifyConnection,
		// which replaces the Web PKI host name check.
		InsecureSkipVerify: true, // #nosec G402 -- verified in VerifyConnection
		VerifyConnection: func(cs tls.ConnectionState) error {
			id, err := identity.VerifyPeer(cs.PeerCertificates, bundles)
			if err != nil {
				return fmt.Errorf("verify server: %w", err)
			}
			if id != server {
				return fmt.Errorf("%w: %s, want %s", errServerIdentity, id, server)
			}
			return nil
		},
	}
}

// peerReason names the refusal of a client's chain: err is from
// identity.VerifyPeer.
func peerReason(err error) string {
	switch {
	case errors.Is(err, identity.ErrNoCertificate):
		return ReasonNoCertificate
	case errors.Is(err, identity.ErrNoSPIFFEID):
		return ReasonNoSPIFFEID
	case errors.Is(err, identity.ErrUnknownTrustDomain):
		return ReasonTrustDomain
	case errors.Is(err, identity.ErrExpired):
		return ReasonExpired
	default:
		return ReasonUntrusted
	}
}
