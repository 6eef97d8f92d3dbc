package identity

import (
	"context"
	"fmt"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
)

// SVIDSource issues X.509 SVIDs for the workloads on this node and keeps the trust bundle.
type SVIDSource interface {
	// SVID returns a current SVID for id (cached; issued/fetched on first use, rotated at half-life).
	SVID(ctx context.Context, id spiffeid.ID) (*x509svid.SVID, error)
	// Bundles returns the trust bundles (x509bundle.Source from go-spiffe) used to verify peers.
	Bundles() x509bundle.Source
	// Run keeps SVIDs and bundles fresh until ctx is done.
	Run(ctx context.Context) error
	// Ready reports whether the source can issue (bundle loaded / connected).
	Ready() bool
	// Certificates lists the SVIDs currently held (SPIFFE ID, serial, not-before, expiry) for zetactl.
	Certificates() []CertInfo
}

// CertInfo describes one SVID a source holds, without its key.
type CertInfo struct {
	ID spiffeid.ID
	// Serial is the leaf certificate's serial number in lowercase hex, as
	// openssl prints it without colons.
	Serial    string
	NotBefore time.Time
	NotAfter  time.Time
}

// CertInfoOf describes svid's leaf certificate.
func CertInfoOf(svid *x509svid.SVID) CertInfo {
	leaf := svid.Certificates[0]
	return CertInfo{
		ID:        svid.ID,
		Serial:    fmt.Sprintf("%x", leaf.SerialNumber),
		NotBefore: leaf.NotBefore,
		NotAfter:  leaf.NotAfter,
	}
}
