package builtinca

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
)

// TestBadCAFiles: each broken directory is refused by New with an error
// naming the file and the problem.
func TestBadCAFiles(t *testing.T) {
	now := time.Now()
	other := spiffeid.RequireTrustDomainFromString("other.test")
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  string
	}{
		{"garbage root", func(t *testing.T, dir string) {
			write(t, dir, RootCertFile, "not PEM")
		}, "parse root.crt: no PEM CERTIFICATE block"},
		{"corrupt root DER", func(t *testing.T, dir string) {
			write(t, dir, RootCertFile, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
		}, "parse root.crt: certificate 1"},
		{"root without key", func(t *testing.T, dir string) {
			root(t, dir, td, now, 0)
			must(t, os.Remove(filepath.Join(dir, RootKeyFile)))
		}, "read root.key"},
		{"key readable by others", func(t *testing.T, dir string) {
			root(t, dir, td, now, 0)
			must(t, os.Chmod(filepath.Join(dir, RootKeyFile), 0o644))
		}, "root.key: mode 0644 gives group or others access to the CA key; chmod 600"},
		{"garbage key", func(t *testing.T, dir string) {
			root(t, dir, td, now, 0)
			write(t, dir, RootKeyFile, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
		}, `parse root.key: PEM block "CERTIFICATE" is not a private key`},
		{"key of another root", func(t *testing.T, dir string) {
			root(t, dir, td, now, 0)
			_, key, err := newCA(td, "stranger", time.Hour, now, nil, nil)
			must(t, err)
			must(t, writeKey(dir, RootKeyFile, key))
		}, "root.key matches no certificate in root.crt"},
		{"expired root", func(t *testing.T, dir string) {
			root(t, dir, td, now.Add(-48*time.Hour), 24*time.Hour)
		}, "is not valid now"},
		{"root of another trust domain", func(t *testing.T, dir string) {
			root(t, dir, other, now, 0)
		}, `is for trust domain "other.test", configured "zeta.test"`},
		{"root is not a CA", func(t *testing.T, dir string) {
			c, key, err := newCA(td, "root", time.Hour, now, nil, nil)
			must(t, err)
			a := &authority{signer: c, key: key}
			s, err := a.issue(apiID, time.Hour, now)
			must(t, err)
			must(t, writeCerts(dir, RootCertFile, s.Certificates[0]))
		}, "root.crt: certificate 1 (O=Zeta) is not a CA certificate"},
		{"intermediate without root", func(t *testing.T, dir string) {
			writeOperatorCA(t, dir, now)
			must(t, os.Remove(filepath.Join(dir, RootCertFile)))
		}, "intermediate.crt is present but root.crt (the root that signed it) is missing"},
		{"intermediate of another root", func(t *testing.T, dir string) {
			writeOperatorCA(t, dir, now)
			stranger, _, err := newCA(td, "stranger", time.Hour, now, nil, nil)
			must(t, err)
			must(t, writeCerts(dir, RootCertFile, stranger))
		}, "intermediate.crt does not chain to a root in root.crt"},
		{"intermediate without key", func(t *testing.T, dir string) {
			writeOperatorCA(t, dir, now)
			must(t, os.Remove(filepath.Join(dir, IntermediateKeyFile)))
		}, "read intermediate.key"},
		{"intermediate key readable by group", func(t *testing.T, dir string) {
			writeOperatorCA(t, dir, now)
			must(t, os.Chmod(filepath.Join(dir, IntermediateKeyFile), 0o640))
		}, "intermediate.key: mode 0640"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.setup(t, dir)
			cfg := DefaultConfig()
			cfg.Dir, cfg.TrustDomain = dir, td
			_, err := New(cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: %v\nwant an error containing %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), dir) {
				t.Errorf("error %q does not name the CA directory", err)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	cfg := DefaultConfig()
	cfg.SVIDTTL = time.Second
	cfg.PollInterval = 0
	_, err := New(cfg)
	for _, want := range []string{"ca dir is not set", "svid ttl 1s is below the minimum", "poll interval 0s must be positive"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New with a bad config: %v; want it to say %q", err, want)
		}
	}
}

// root writes a self-signed root valid for ttl (default a day) from
// notBefore into dir.
func root(t *testing.T, dir string, td spiffeid.TrustDomain, notBefore time.Time, ttl time.Duration) *x509.Certificate {
	t.Helper()
	if ttl == 0 {
		ttl = 24 * time.Hour
	}
	must(t, createRoot(dir, td, ttl, notBefore))
	certs, err := readCerts(dir, RootCertFile)
	must(t, err)
	return certs[0]
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	must(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600))
}
