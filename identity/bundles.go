package identity

import (
	"errors"
	"sync/atomic"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
)

// errNoBundles is returned for lookups before the first bundle set arrives.
var errNoBundles = errors.New("no trust bundles loaded yet")

// LiveBundles is an x509bundle.Source whose whole set of bundles is
// replaced when the trust bundles change. A TLS verifier holding it sees
// each change at its next handshake, so a root rotation needs no restart
// and no re-wiring of listeners. Safe for concurrent use; the zero value
// has no bundles.
type LiveBundles struct {
	set atomic.Pointer[x509bundle.Set]
}

// Store replaces the bundles. The caller must not modify set afterwards.
func (b *LiveBundles) Store(set *x509bundle.Set) { b.set.Store(set) }

// Loaded reports whether bundles have been stored.
func (b *LiveBundles) Loaded() bool { return b.set.Load() != nil }

// Set returns the current bundles, nil before the first Store.
func (b *LiveBundles) Set() *x509bundle.Set { return b.set.Load() }

// GetX509BundleForTrustDomain implements x509bundle.Source.
func (b *LiveBundles) GetX509BundleForTrustDomain(td spiffeid.TrustDomain) (*x509bundle.Bundle, error) {
	set := b.set.Load()
	if set == nil {
		return nil, errNoBundles
	}
	return set.GetX509BundleForTrustDomain(td)
}
