package identity

import (
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
)

// Reasons a peer's certificate chain is refused. VerifyPeer's errors wrap
// exactly one of them, so a caller can name the reason in a log line or a
// flow record with errors.Is.
var (
	ErrNoCertificate      = errors.New("peer presented no certificate")
	ErrNoSPIFFEID         = errors.New("peer certificate has no SPIFFE ID URI SAN")
	ErrUnknownTrustDomain = errors.New("peer's trust domain has no trust bundle")
	ErrExpired            = errors.New("peer certificate chain is expired or not yet valid")
	ErrUntrusted          = errors.New("peer certificate chain does not verify against the trust bundle")
)

// VerifyPeer verifies a peer's certificate chain (leaf first, as TLS
// presents it) against the trust bundles and returns the SPIFFE ID it
// proves.
func VerifyPeer(chain []*x509.Certificate, bundles x509bundle.Source) (spiffeid.ID, error) {
	return VerifyPeerAt(chain, bundles, time.Now())
}

// VerifyPeerAt is VerifyPeer at a given time (for injected clocks).
func VerifyPeerAt(chain []*x509.Certificate, bundles x509bundle.Source, now time.Time) (spiffeid.ID, error) {
	if len(chain) == 0 {
		return spiffeid.ID{}, ErrNoCertificate
	}
	leaf := chain[0]
	id, err := x509svid.IDFromCert(leaf)
	if err != nil {
		return spiffeid.ID{}, fmt.Errorf("%w (subject %q): %w", ErrNoSPIFFEID, leaf.Subject, err)
	}
	if _, err := bundles.GetX509BundleForTrustDomain(id.TrustDomain()); err != nil {
		return id, fmt.Errorf("%w: %s: %w", ErrUnknownTrustDomain, id, err)
	}
	// x509 verification would report expiry only as one of several chain
	// errors; checking the presented chain first gives it its own reason.
	for _, c := range chain {
		if now.Before(c.NotBefore) || now.After(c.NotAfter) {
			return id, fmt.Errorf("%w: %s serial %x valid %s to %s", ErrExpired, id, c.SerialNumber,
				c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339))
		}
	}
	if _, _, err := x509svid.Verify(chain, bundles, x509svid.WithTime(now)); err != nil {
		return id, fmt.Errorf("%w: %s: %w", ErrUntrusted, id, err)
	}
	return id, nil
}
