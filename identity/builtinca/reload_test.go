package builtinca

import (
	"context"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zeta-net/zeta/identity"
)

// TestRootRotation walks the documented three-step root rotation and
// checks at each step what verifies against the bundle.
func TestRootRotation(t *testing.T) {
	dir, clk := t.TempDir(), newClock()
	ca := startCA(t, dir, clk)
	oldSVID := svid(t, ca, apiID)
	oldRoot, err := readCerts(dir, RootCertFile)
	if err != nil {
		t.Fatal(err)
	}
	newRoot, newKey, err := newCA(td, "next root", 24*time.Hour, clk.Now(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}

	// 1. Both roots trusted; the old one still signs.
	must(t, writeCerts(dir, RootCertFile, oldRoot[0], newRoot))
	must(t, ca.Reload())
	if n := len(authorities(t, ca)); n != 2 {
		t.Fatalf("bundle has %d roots after adding one, want 2", n)
	}
	if again := svid(t, ca, apiID); again != oldSVID {
		t.Error("adding a root reissued SVIDs; only a signer change should")
	}
	verify(t, oldSVID, ca, clk.Now())

	// 2. The new root signs: held SVIDs are reissued by it.
	must(t, writeKey(dir, RootKeyFile, newKey))
	must(t, ca.Reload())
	fresh := svid(t, ca, apiID)
	if fresh.Certificates[0].CheckSignatureFrom(newRoot) != nil {
		t.Fatal("SVID after the signer change is not signed by the new root")
	}
	verify(t, fresh, ca, clk.Now())
	verify(t, oldSVID, ca, clk.Now())

	// 3. The old root leaves the bundle: its SVIDs no longer verify.
	must(t, writeCerts(dir, RootCertFile, newRoot))
	must(t, ca.Reload())
	if _, err := identity.VerifyPeerAt(oldSVID.Certificates, ca.Bundles(), clk.Now()); !errors.Is(err, identity.ErrUntrusted) {
		t.Errorf("SVID of the removed root: %v, want ErrUntrusted", err)
	}
	verify(t, fresh, ca, clk.Now())
}

// TestRunPicksUpNewRoot: a running CA notices a replaced directory
// through its poll, and the Bundles source handed out earlier sees it.
func TestRunPicksUpNewRoot(t *testing.T) {
	dir, clk := t.TempDir(), newClock()
	cfg := testConfig(dir, clk)
	cfg.PollInterval = 20 * time.Millisecond
	ca, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	bundles := ca.Bundles()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ca.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})

	other := t.TempDir()
	startCA(t, other, clk)
	for _, name := range []string{RootKeyFile, RootCertFile} {
		data, err := os.ReadFile(filepath.Join(other, name))
		if err != nil {
			t.Fatal(err)
		}
		must(t, os.WriteFile(filepath.Join(dir, name), data, 0o600))
	}
	want, err := readCerts(other, RootCertFile)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, err := bundles.GetX509BundleForTrustDomain(td)
		if err == nil && b.HasX509Authority(want[0]) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("running CA did not load the replaced root within 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if s := svid(t, ca, apiID); s.Certificates[0].CheckSignatureFrom(want[0]) != nil {
		t.Error("SVID not signed by the replaced root")
	}
}

// TestReloadKeepsLastGood: a broken directory is reported and the CA
// goes on with what it had.
func TestReloadKeepsLastGood(t *testing.T) {
	dir, clk := t.TempDir(), newClock()
	ca := startCA(t, dir, clk)
	before := svid(t, ca, apiID)
	must(t, os.WriteFile(filepath.Join(dir, RootCertFile), []byte("garbage"), 0o600))
	if err := ca.Reload(); err == nil {
		t.Fatal("Reload of a garbage root.crt succeeded")
	}
	if !ca.Ready() {
		t.Error("CA not ready after a failed reload")
	}
	verify(t, before, ca, clk.Now())
	verify(t, svid(t, ca, webID), ca, clk.Now())
}

func authorities(t *testing.T, ca *CA) []*x509.Certificate {
	t.Helper()
	b, err := ca.Bundles().GetX509BundleForTrustDomain(td)
	if err != nil {
		t.Fatal(err)
	}
	return b.X509Authorities()
}
