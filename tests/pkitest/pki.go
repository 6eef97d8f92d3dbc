package pkitest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// ClientName is the client certificate's common name in Mint.
const ClientName = "zeta-agent"

// Files are the PEM files of a minted PKI.
type Files struct {
	CA, ServerCert, ServerKey, ClientCert, ClientKey string
}

// Mint writes a CA, a server certificate for 127.0.0.1, ::1 and
// localhost, and a client certificate named ClientName into dir.
func Mint(t testing.TB, dir string) Files {
	t.Helper()
	a := NewAuthority(t, dir, "zeta test CA")
	f := Files{CA: a.CA}
	f.ServerCert, f.ServerKey = a.Leaf(t, "server", Leaf{
		Name: "localhost", IPs: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		Usage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	f.ClientCert, f.ClientKey = a.Leaf(t, "client", Leaf{Name: ClientName, Usage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	return f
}

// Authority is a CA that signs a test's leaves.
type Authority struct {
	// CA is the PEM file of its certificate.
	CA     string
	dir    string
	cert   *x509.Certificate
	key    *ecdsa.PrivateKey
	serial int64
}

// NewAuthority creates a CA named name and writes dir/ca.pem.
func NewAuthority(t testing.TB, dir, name string) *Authority {
	t.Helper()
	a := &Authority{CA: filepath.Join(dir, "ca.pem"), dir: dir, key: newKey(t), serial: 1}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(a.serial), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &a.key.PublicKey, a.key)
	if err != nil {
		t.Fatal(err)
	}
	if a.cert, err = x509.ParseCertificate(der); err != nil {
		t.Fatal(err)
	}
	writePEM(t, a.CA, "CERTIFICATE", der)
	return a
}

// Leaf describes a certificate to sign.
type Leaf struct {
	// Name is the common name, and a DNS name unless it is empty.
	Name string
	IPs  []net.IP
	// SPIFFEID, if set, is the only URI SAN: the leaf is an X.509-SVID.
	SPIFFEID string
	Usage    []x509.ExtKeyUsage
}

// Leaf signs l and writes file.pem and file-key.pem in the authority's
// directory.
func (a *Authority) Leaf(t testing.TB, file string, l Leaf) (certFile, keyFile string) {
	t.Helper()
	k := newKey(t)
	a.serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(a.serial), Subject: pkix.Name{CommonName: l.Name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: l.Usage, IPAddresses: l.IPs,
	}
	if l.Name != "" {
		tmpl.DNSNames = []string{l.Name}
	}
	if l.SPIFFEID != "" {
		u, err := url.Parse(l.SPIFFEID)
		if err != nil {
			t.Fatal(err)
		}
		tmpl.URIs = []*url.URL{u}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, &k.PublicKey, a.key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(a.dir, file+".pem"), filepath.Join(a.dir, file+"-key.pem")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "PRIVATE KEY", kb)
	return certFile, keyFile
}

// SVID signs an X.509-SVID for id, good for both ends of mutual TLS, and
// writes file.pem and file-key.pem.
func (a *Authority) SVID(t testing.TB, file, id string) (certFile, keyFile string) {
	t.Helper()
	return a.Leaf(t, file, Leaf{SPIFFEID: id, Usage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}})
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func writePEM(t testing.TB, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}
