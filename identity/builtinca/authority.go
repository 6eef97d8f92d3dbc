package builtinca

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
)

// authority is one loaded state of the CA directory.
type authority struct {
	roots  []*x509.Certificate // trust anchors: the bundle
	signer *x509.Certificate   // signs SVIDs: a root or the intermediate
	key    crypto.Signer
	chain  []*x509.Certificate // intermediates appended to SVIDs; empty when a root signs
}

// bundle is the trust domain's bundle of roots.
func (a *authority) bundle(td spiffeid.TrustDomain) *x509bundle.Set {
	return x509bundle.NewSet(x509bundle.FromX509Authorities(td, a.roots))
}

// sameSigner reports whether b signs with the same certificate as a.
func (a *authority) sameSigner(b *authority) bool {
	return a != nil && b != nil && bytes.Equal(a.signer.Raw, b.signer.Raw)
}

// loadAuthority reads dir: roots from RootCertFile, and the signer from
// the intermediate files if present, else the root matching RootKeyFile.
func loadAuthority(dir string, td spiffeid.TrustDomain, now time.Time) (*authority, error) {
	roots, err := readCerts(dir, RootCertFile)
	if err != nil {
		return nil, err
	}
	for i, r := range roots {
		if !r.IsCA {
			return nil, fmt.Errorf("%s: certificate %d (%s) is not a CA certificate", RootCertFile, i+1, r.Subject)
		}
	}
	intermediate, err := exists(filepath.Join(dir, IntermediateCertFile))
	if err != nil {
		return nil, err
	}
	a := &authority{roots: roots}
	if intermediate {
		err = a.loadIntermediate(dir, now)
	} else {
		err = a.loadRootSigner(dir)
	}
	if err != nil {
		return nil, err
	}
	if now.After(a.signer.NotAfter) || now.Before(a.signer.NotBefore) {
		return nil, fmt.Errorf("signing certificate %s is not valid now: valid %s to %s", a.signer.Subject,
			a.signer.NotBefore.UTC().Format(time.RFC3339), a.signer.NotAfter.UTC().Format(time.RFC3339))
	}
	// A CA certificate may name its trust domain; one naming another
	// trust domain is a misconfiguration that would issue SVIDs nobody
	// in this trust domain accepts.
	if id, err := x509svid.IDFromCert(a.signer); err == nil && id.TrustDomain() != td {
		return nil, fmt.Errorf("signing certificate %s is for trust domain %q, configured %q", a.signer.Subject, id.TrustDomain(), td)
	}
	return a, nil
}

func (a *authority) loadRootSigner(dir string) error {
	key, err := readKey(dir, RootKeyFile)
	if err != nil {
		return err
	}
	for _, r := range a.roots {
		if publicKeyMatches(key, r) {
			a.signer, a.key = r, key
			return nil
		}
	}
	return fmt.Errorf("%s matches no certificate in %s", RootKeyFile, RootCertFile)
}

func (a *authority) loadIntermediate(dir string, now time.Time) error {
	chain, err := readCerts(dir, IntermediateCertFile)
	if err != nil {
		return err
	}
	key, err := readKey(dir, IntermediateKeyFile)
	if err != nil {
		return err
	}
	signer := chain[0]
	if !signer.IsCA {
		return fmt.Errorf("%s: %s is not a CA certificate", IntermediateCertFile, signer.Subject)
	}
	if !publicKeyMatches(key, signer) {
		return fmt.Errorf("%s does not match the first certificate of %s", IntermediateKeyFile, IntermediateCertFile)
	}
	opts := x509.VerifyOptions{
		Roots:         x509.NewCertPool(),
		Intermediates: x509.NewCertPool(),
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}
	for _, r := range a.roots {
		opts.Roots.AddCert(r)
	}
	for _, c := range chain[1:] {
		opts.Intermediates.AddCert(c)
	}
	if _, err := signer.Verify(opts); err != nil {
		return fmt.Errorf("%s does not chain to a root in %s: %w", IntermediateCertFile, RootCertFile, err)
	}
	a.signer, a.key, a.chain = signer, key, chain
	return nil
}

func publicKeyMatches(key crypto.Signer, cert *x509.Certificate) bool {
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	return ok && pub.Equal(cert.PublicKey)
}

// ensureRoot creates a self-signed root in dir when it has neither a
// root nor an intermediate. Agents sharing dir serialise on its lock, so
// exactly one of them creates the root and the others load it. A
// directory that has its root is not written to: it may be a read-only
// mount of a Kubernetes Secret.
func ensureRoot(dir string, td spiffeid.TrustDomain, rootTTL time.Duration, now time.Time) error {
	if hasRoot, err := exists(filepath.Join(dir, RootCertFile)); err != nil || hasRoot {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return err
	}
	defer unlock()
	hasRoot, err := exists(filepath.Join(dir, RootCertFile))
	if err != nil || hasRoot {
		return err
	}
	hasIntermediate, err := exists(filepath.Join(dir, IntermediateCertFile))
	if err != nil {
		return err
	}
	if hasIntermediate {
		return errors.New(IntermediateCertFile + " is present but " + RootCertFile + " (the root that signed it) is missing")
	}
	return createRoot(dir, td, rootTTL, now)
}

// createRoot writes a new self-signed root and its key into dir, the key
// first so a crash in between leaves no root without its key.
func createRoot(dir string, td spiffeid.TrustDomain, ttl time.Duration, now time.Time) error {
	cert, key, err := newCA(td, "Zeta root CA", ttl, now, nil, nil)
	if err != nil {
		return err
	}
	if err := writeKey(dir, RootKeyFile, key); err != nil {
		return err
	}
	return writeCerts(dir, RootCertFile, cert)
}
