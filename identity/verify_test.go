package identity_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"

	"github.com/zeta-net/zeta/identity"
	"github.com/zeta-net/zeta/identity/builtinca"
)

var apiID = spiffeid.RequireFromString("spiffe://zeta.test/ns/prod/sa/api")

func newCA(t *testing.T, td string, now func() time.Time) (*builtinca.CA, string) {
	t.Helper()
	cfg := builtinca.DefaultConfig()
	cfg.Dir, cfg.TrustDomain, cfg.Now = t.TempDir(), spiffeid.RequireTrustDomainFromString(td), now
	ca, err := builtinca.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return ca, cfg.Dir
}

// rootOf reads the CA's root and key from its directory, to forge
// certificates the CA itself would never issue.
func rootOf(t *testing.T, dir string) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := pem.Decode(data)
		return b.Bytes
	}
	cert, err := x509.ParseCertificate(read(builtinca.RootCertFile))
	if err != nil {
		t.Fatal(err)
	}
	key, err := x509.ParsePKCS8PrivateKey(read(builtinca.RootKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	return cert, key.(crypto.Signer)
}

// sign makes a leaf from tmpl signed by parent (self-signed when nil).
func sign(t *testing.T, tmpl *x509.Certificate, parent *x509.Certificate, parentKey crypto.Signer) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Minute), time.Now().Add(time.Hour)
	}
	tmpl.KeyUsage |= x509.KeyUsageDigitalSignature
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestVerifyPeer(t *testing.T) {
	ca, dir := newCA(t, "zeta.test", nil)
	root, rootKey := rootOf(t, dir)
	good, err := ca.SVID(context.Background(), apiID)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := identity.VerifyPeer(good.Certificates, ca.Bundles()); err != nil || id != apiID {
		t.Fatalf("VerifyPeer(valid SVID) = %s, %v; want %s", id, err, apiID)
	}

	otherTD, _ := newCA(t, "other.test", nil)
	foreign, err := otherTD.SVID(context.Background(), spiffeid.RequireFromString("spiffe://other.test/ns/prod/sa/api"))
	if err != nil {
		t.Fatal(err)
	}
	past := func() time.Time { return time.Now().Add(-3 * time.Hour) }
	oldCA, oldDir := newCA(t, "zeta.test", past)
	expired, err := oldCA.SVID(context.Background(), apiID)
	if err != nil {
		t.Fatal(err)
	}
	// The expired SVID's own root is still valid: trust it alongside.
	oldRoot, _ := rootOf(t, oldDir)
	both := x509bundle.FromX509Authorities(apiID.TrustDomain(), []*x509.Certificate{root, oldRoot})

	apiURL := []*url.URL{apiID.URL()}
	for _, tc := range []struct {
		name    string
		chain   []*x509.Certificate
		bundles x509bundle.Source
		want    error
	}{
		{"empty chain", nil, ca.Bundles(), identity.ErrNoCertificate},
		{"other trust domain", foreign.Certificates, ca.Bundles(), identity.ErrUnknownTrustDomain},
		{"expired", expired.Certificates, both, identity.ErrExpired},
		{"no URI SAN", []*x509.Certificate{sign(t, &x509.Certificate{
			Subject: pkix.Name{CommonName: "api"}, DNSNames: []string{"api.prod"},
		}, root, rootKey)}, ca.Bundles(), identity.ErrNoSPIFFEID},
		{"not a SPIFFE URI", []*x509.Certificate{sign(t, &x509.Certificate{
			URIs: []*url.URL{{Scheme: "https", Host: "zeta.test", Path: "/api"}},
		}, root, rootKey)}, ca.Bundles(), identity.ErrNoSPIFFEID},
		{"self-signed with the right ID", []*x509.Certificate{sign(t, &x509.Certificate{URIs: apiURL}, nil, nil)},
			ca.Bundles(), identity.ErrUntrusted},
		{"CA certificate as leaf", []*x509.Certificate{sign(t, &x509.Certificate{
			URIs: apiURL, IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
		}, root, rootKey)}, ca.Bundles(), identity.ErrUntrusted},
		{"valid SVID, other root of the same trust domain", good.Certificates,
			x509bundle.FromX509Authorities(apiID.TrustDomain(), []*x509.Certificate{oldRoot}), identity.ErrUntrusted},
		{"no bundles loaded", good.Certificates, &identity.LiveBundles{}, identity.ErrUnknownTrustDomain},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, err := identity.VerifyPeer(tc.chain, tc.bundles)
			if !errors.Is(err, tc.want) {
				t.Fatalf("VerifyPeer = %s, %v; want %v", id, err, tc.want)
			}
		})
	}
}

func TestLiveBundlesSwap(t *testing.T) {
	var live identity.LiveBundles
	if live.Loaded() {
		t.Fatal("zero LiveBundles claims to be loaded")
	}
	a, _ := newCA(t, "zeta.test", nil)
	s, err := a.SVID(context.Background(), apiID)
	if err != nil {
		t.Fatal(err)
	}
	b, err := a.Bundles().GetX509BundleForTrustDomain(apiID.TrustDomain())
	if err != nil {
		t.Fatal(err)
	}
	live.Store(x509bundle.NewSet(b))
	if _, err := identity.VerifyPeer(s.Certificates, &live); err != nil {
		t.Fatal(err)
	}
	live.Store(x509bundle.NewSet())
	if _, err := identity.VerifyPeer(s.Certificates, &live); !errors.Is(err, identity.ErrUnknownTrustDomain) {
		t.Fatalf("after swapping the bundle out: %v, want ErrUnknownTrustDomain", err)
	}
}
