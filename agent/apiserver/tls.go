package apiserver

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/spiffetls/tlsconfig"
)

// caFile is an x509bundle.Source that reads the CA file on every
// handshake: one set of trust anchors for every trust domain allowed.
type caFile string

// GetX509BundleForTrustDomain implements x509bundle.Source.
func (f caFile) GetX509BundleForTrustDomain(td spiffeid.TrustDomain) (*x509bundle.Bundle, error) {
	b, err := x509bundle.Load(td, string(f))
	if err != nil {
		return nil, fmt.Errorf("load api-tls-ca: %w", err)
	}
	return b, nil
}

// serverTLS is the TCP listener's mutual TLS: the server's certificate
// from files read on every handshake, and clients accepted only with an
// X.509-SVID that chains to the CA file and names an allowed SPIFFE ID.
func serverTLS(c Config) (*tls.Config, error) {
	ids, err := c.allowedIDs()
	if err != nil {
		return nil, err
	}
	load := func() (*tls.Certificate, error) {
		cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("load api-tls-cert and api-tls-key: %w", err)
		}
		return &cert, nil
	}
	// Fail at start rather than at the first handshake.
	if _, err := load(); err != nil {
		return nil, err
	}
	ca := caFile(c.TLSCA)
	if _, err := ca.GetX509BundleForTrustDomain(ids[0].TrustDomain()); err != nil {
		return nil, err
	}
	verify := tlsconfig.VerifyPeerCertificate(ca, tlsconfig.AuthorizeOneOf(ids...))
	return &tls.Config{
		MinVersion:     tls.VersionTLS13,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return load() },
		// The client's chain is verified as an X.509-SVID against the
		// bundle of its trust domain, then its ID against the allow-list;
		// in VerifyConnection, which also runs when a session resumes.
		ClientAuth:       tls.RequireAnyClientCert,
		VerifyConnection: func(cs tls.ConnectionState) error { return verifyPeer(verify, cs) },
	}, nil
}

// verifyPeer applies verify to the certificates the peer sent.
func verifyPeer(verify func([][]byte, [][]*x509.Certificate) error, cs tls.ConnectionState) error {
	raw := make([][]byte, len(cs.PeerCertificates))
	for i, c := range cs.PeerCertificates {
		raw[i] = c.Raw
	}
	return verify(raw, nil)
}
