package builtinca

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/zeta-net/zeta/agent/statefile"
)

// Files in the CA directory.
const (
	// RootCertFile holds the trust anchors, PEM: every certificate in it
	// is in the trust bundle. During a root rotation it holds the old and
	// the new root.
	RootCertFile = "root.crt"
	// RootKeyFile is the key of one of the roots; that root signs SVIDs
	// unless there is an intermediate. Mode 0600 (no group/other access).
	RootKeyFile = "root.key"
	// IntermediateCertFile, when present, holds the certificate that signs
	// SVIDs first, then any further intermediates up to (not including) a
	// root in RootCertFile. The chain is appended to every SVID.
	IntermediateCertFile = "intermediate.crt"
	// IntermediateKeyFile is the intermediate's key. Mode 0600.
	IntermediateKeyFile = "intermediate.key"
	// RevokedFile lists revoked SPIFFE IDs, one per line; lines starting
	// with # are comments. Optional.
	RevokedFile = "revoked-ids"
	// lockFile serialises creation and revocation between the agents
	// sharing the directory.
	lockFile = ".lock"
)

// watched are the files whose content decides the CA's state; a change to
// any of them triggers a reload.
var watched = []string{RootCertFile, RootKeyFile, IntermediateCertFile, IntermediateKeyFile, RevokedFile}

// fingerprint hashes the watched files' contents (an absent file hashes
// differently from an empty one).
func fingerprint(dir string) ([sha256.Size]byte, error) {
	h := sha256.New()
	for _, name := range watched {
		data, err := os.ReadFile(filepath.Join(dir, name))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			fmt.Fprintf(h, "%s absent\n", name)
		case err != nil:
			return [sha256.Size]byte{}, fmt.Errorf("read %s: %w", name, err)
		default:
			fmt.Fprintf(h, "%s %d\n", name, len(data))
			h.Write(data)
		}
	}
	return [sha256.Size]byte(h.Sum(nil)), nil
}

func exists(path string) (bool, error) {
	_, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("stat %s: %w", path, err)
	}
	return true, nil
}

// readCerts reads every CERTIFICATE block of a PEM file.
func readCerts(dir, name string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	var certs []*x509.Certificate
	for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse %s: certificate %d: %w", name, len(certs)+1, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("parse %s: no PEM CERTIFICATE block", name)
	}
	return certs, nil
}

// readKey reads a private key file and refuses one that others than its
// owner could read: the CA key is the trust domain.
func readKey(dir, name string) (crypto.Signer, error) {
	path := filepath.Join(dir, name)
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("read %s: mode %04o gives group or others access to the CA key; chmod 600 %s", name, perm, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("parse %s: no PEM block", name)
	}
	var key any
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("parse %s: PEM block %q is not a private key", name, block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", name, err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("parse %s: key type %T cannot sign", name, key)
	}
	return signer, nil
}

// writeKey writes key as PKCS#8 PEM, readable by its owner only.
func writeKey(dir, name string, key crypto.Signer) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("encode %s: %w", name, err)
	}
	return statefile.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// writeCerts writes certificates as PEM.
func writeCerts(dir, name string, certs ...*x509.Certificate) error {
	var data []byte
	for _, c := range certs {
		data = append(data, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return statefile.WriteFile(filepath.Join(dir, name), data)
}

// lockDir takes an exclusive lock shared by every agent using dir and
// returns its release.
func lockDir(dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	// Closing the file releases the lock.
	return func() { _ = f.Close() }, nil
}
