package builtinca

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"

	"github.com/zeta-net/zeta/identity"
)

var (
	td    = spiffeid.RequireTrustDomainFromString("zeta.test")
	apiID = spiffeid.RequireFromString("spiffe://zeta.test/ns/prod/sa/api")
	webID = spiffeid.RequireFromString("spiffe://zeta.test/ns/prod/sa/web")
)

// fakeClock is an injectable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Now().Truncate(time.Second)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func testConfig(dir string, clk *fakeClock) Config {
	cfg := DefaultConfig()
	cfg.Dir, cfg.TrustDomain, cfg.Now = dir, td, clk.Now
	return cfg
}

func startCA(t *testing.T, dir string, clk *fakeClock) *CA {
	t.Helper()
	ca, err := New(testConfig(dir, clk))
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func svid(t *testing.T, ca *CA, id spiffeid.ID) *x509svid.SVID {
	t.Helper()
	s, err := ca.SVID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func verify(t *testing.T, s *x509svid.SVID, ca *CA, now time.Time) {
	t.Helper()
	got, err := identity.VerifyPeerAt(s.Certificates, ca.Bundles(), now)
	if err != nil {
		t.Fatalf("verify SVID of %s: %v", s.ID, err)
	}
	if got != s.ID {
		t.Fatalf("verified ID %s, want %s", got, s.ID)
	}
}

func TestSVID(t *testing.T) {
	dir, clk := t.TempDir(), newClock()
	ca := startCA(t, dir, clk)
	if !ca.Ready() {
		t.Fatal("new CA not ready")
	}
	s := svid(t, ca, apiID)
	leaf := s.Certificates[0]

	if len(leaf.URIs) != 1 || leaf.URIs[0].String() != apiID.String() {
		t.Errorf("URI SANs %v, want exactly %s", leaf.URIs, apiID)
	}
	if len(leaf.DNSNames)+len(leaf.IPAddresses)+len(leaf.EmailAddresses) != 0 {
		t.Errorf("unexpected non-URI SANs: %v %v %v", leaf.DNSNames, leaf.IPAddresses, leaf.EmailAddresses)
	}
	key, ok := s.PrivateKey.(*ecdsa.PrivateKey)
	if !ok || key.Curve != elliptic.P256() {
		t.Errorf("key %T, want ECDSA P-256", s.PrivateKey)
	}
	if !key.PublicKey.Equal(leaf.PublicKey) {
		t.Error("private key does not match the certificate")
	}
	if leaf.IsCA || leaf.KeyUsage&x509.KeyUsageCertSign != 0 {
		t.Error("SVID is a CA certificate")
	}
	if got := leaf.NotAfter.Sub(clk.Now()); got != time.Hour {
		t.Errorf("lifetime from issuance %s, want 1h", got)
	}
	if len(s.Certificates) != 1 {
		t.Errorf("root-signed SVID chain has %d certificates, want the leaf only", len(s.Certificates))
	}
	verify(t, s, ca, clk.Now())

	// Cached until half-life: the same certificate.
	if again := svid(t, ca, apiID); again.Certificates[0].SerialNumber.Cmp(leaf.SerialNumber) != 0 {
		t.Error("second SVID call issued a new certificate before half-life")
	}
	certs := ca.Certificates()
	if len(certs) != 1 || certs[0].ID != apiID || certs[0].NotAfter != leaf.NotAfter || certs[0].Serial != leaf.SerialNumber.Text(16) {
		t.Errorf("Certificates() = %+v", certs)
	}

	if _, err := ca.SVID(context.Background(), spiffeid.RequireFromString("spiffe://other.test/ns/a/sa/b")); err == nil {
		t.Error("issued an SVID outside the trust domain")
	}
}

// TestKeysStayInMemory: the directory holds the CA's files only; no SVID
// key is ever written.
func TestKeysStayInMemory(t *testing.T) {
	dir, clk := filepath.Join(t.TempDir(), "ca"), newClock()
	ca := startCA(t, dir, clk)
	svid(t, ca, apiID)
	svid(t, ca, webID)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{lockFile, RootCertFile, RootKeyFile}; !slices.Equal(names, want) {
		t.Errorf("CA directory holds %v, want %v", names, want)
	}
	for _, name := range []string{".", RootKeyFile, lockFile} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		want := os.FileMode(0o600)
		if info.IsDir() {
			want = 0o700
		}
		if perm := info.Mode().Perm(); perm != want {
			t.Errorf("%s mode %04o, want %04o", name, perm, want)
		}
	}
}

func TestRotationAtHalfLife(t *testing.T) {
	dir, clk := t.TempDir(), newClock()
	ca := startCA(t, dir, clk)
	first := svid(t, ca, apiID).Certificates[0]

	clk.Add(30*time.Minute - time.Second)
	if got := svid(t, ca, apiID).Certificates[0]; got.SerialNumber.Cmp(first.SerialNumber) != 0 {
		t.Fatal("rotated before half-life")
	}
	clk.Add(time.Second)
	second := svid(t, ca, apiID)
	if second.Certificates[0].SerialNumber.Cmp(first.SerialNumber) == 0 {
		t.Fatal("not rotated at half-life")
	}
	if got := second.Certificates[0].NotAfter.Sub(clk.Now()); got != time.Hour {
		t.Errorf("rotated SVID lifetime %s, want 1h", got)
	}
	verify(t, second, ca, clk.Now())

	// Run's refresh rotates ahead of use.
	clk.Add(31 * time.Minute)
	ca.refresh()
	certs := ca.Certificates()
	if len(certs) != 1 || certs[0].Serial == second.Certificates[0].SerialNumber.Text(16) {
		t.Fatalf("refresh past half-life kept the old SVID: %+v", certs)
	}
	if !certs[0].NotBefore.Before(clk.Now()) || certs[0].NotAfter.Sub(clk.Now()) != time.Hour {
		t.Errorf("refreshed SVID validity %s to %s at %s", certs[0].NotBefore, certs[0].NotAfter, clk.Now())
	}
}

func TestSetWorkloads(t *testing.T) {
	dir, clk := t.TempDir(), newClock()
	ca := startCA(t, dir, clk)
	svid(t, ca, apiID)
	ca.SetWorkloads([]identity.Workload{{ID: webID, Namespace: "prod", ServiceAccount: "web", PodName: "web-0"}})
	ca.refresh()
	certs := ca.Certificates()
	if len(certs) != 1 || certs[0].ID != webID {
		t.Fatalf("after SetWorkloads(web): %+v, want web's SVID issued ahead and api's dropped", certs)
	}
}

func TestRevocation(t *testing.T) {
	dir, clk := t.TempDir(), newClock()
	ca := startCA(t, dir, clk)
	other := startCA(t, dir, clk) // a second agent sharing the directory
	svid(t, ca, apiID)
	svid(t, other, apiID)

	if err := ca.RevokeID(apiID); err != nil {
		t.Fatal(err)
	}
	if _, err := ca.SVID(context.Background(), apiID); !errors.Is(err, ErrRevoked) {
		t.Errorf("SVID of revoked ID: %v, want ErrRevoked", err)
	}
	if !ca.Revoked(apiID) || ca.Revoked(webID) {
		t.Error("Revoked disagrees with the deny list")
	}
	if len(ca.Certificates()) != 0 {
		t.Error("revoked ID's SVID still held")
	}
	svid(t, ca, webID)

	// The other agent learns it at its next reload.
	if err := other.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, err := other.SVID(context.Background(), apiID); !errors.Is(err, ErrRevoked) {
		t.Errorf("other agent: SVID of revoked ID: %v, want ErrRevoked", err)
	}

	// The file is operator-editable: comments, blank lines, a bad line.
	path := filepath.Join(dir, RevokedFile)
	if err := os.WriteFile(path, []byte("# revoked\n\nspiffe://zeta.test/ns/prod/sa/web\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := ca.Reload(); err != nil {
		t.Fatal(err)
	}
	if ca.Revoked(apiID) || !ca.Revoked(webID) {
		t.Error("hand-edited deny list not applied")
	}
	if err := os.WriteFile(path, []byte("not an id\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := ca.Reload(); err == nil || !ca.Revoked(webID) {
		t.Errorf("bad deny list: err %v; want an error and the last good list kept", err)
	}
}

func TestSharedDirectoryOneRoot(t *testing.T) {
	dir, clk := t.TempDir(), newClock()
	cas := make([]*CA, 4)
	errs := make([]error, 4)
	var wg sync.WaitGroup
	for i := range cas {
		wg.Go(func() { cas[i], errs[i] = New(testConfig(dir, clk)) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("agent %d: %v", i, err)
		}
	}
	s := svid(t, cas[0], apiID)
	for _, ca := range cas[1:] {
		verify(t, s, ca, clk.Now())
	}
}

func TestIntermediateMode(t *testing.T) {
	dir, clk := t.TempDir(), newClock()
	root := writeOperatorCA(t, dir, clk.Now())
	ca := startCA(t, dir, clk)

	s := svid(t, ca, apiID)
	if len(s.Certificates) != 2 {
		t.Fatalf("SVID chain has %d certificates, want leaf and intermediate", len(s.Certificates))
	}
	if got := s.Certificates[1]; !got.IsCA || got.CheckSignatureFrom(root) != nil {
		t.Error("second certificate is not the intermediate signed by the operator's root")
	}
	verify(t, s, ca, clk.Now())
	b, err := ca.Bundles().GetX509BundleForTrustDomain(td)
	if err != nil {
		t.Fatal(err)
	}
	if auth := b.X509Authorities(); len(auth) != 1 || !auth[0].Equal(root) {
		t.Errorf("bundle %d authorities, want the operator's root only", len(auth))
	}
	// The directory is only read (it may be a read-only Secret mount).
	for _, name := range []string{RootKeyFile, lockFile} {
		if ok, _ := exists(filepath.Join(dir, name)); ok {
			t.Errorf("%s was written in operator mode", name)
		}
	}
}

// writeOperatorCA writes an operator root (without its key) and an
// intermediate it signed into dir.
func writeOperatorCA(t *testing.T, dir string, now time.Time) *x509.Certificate {
	t.Helper()
	root, rootKey, err := newCA(td, "operator root", 24*time.Hour, now, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	inter, interKey, err := newCA(td, "intermediate", 12*time.Hour, now, root, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	must(t, writeCerts(dir, RootCertFile, root))
	must(t, writeCerts(dir, IntermediateCertFile, inter))
	must(t, writeKey(dir, IntermediateKeyFile, interKey))
	return root
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
