package apiserver

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/spiffetls/tlsconfig"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"

	pb "github.com/zeta-net/zeta/api/zeta/observer/v1"
)

// ca mints X.509-SVIDs for a test.
type ca struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	dir  string
}

var serial int64

func newCA(t *testing.T, name string) *ca {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	c := &ca{cert: cert, key: key, dir: t.TempDir()}
	writePEM(t, c.path("ca.pem"), "CERTIFICATE", der)
	return c
}

func (c *ca) path(name string) string { return filepath.Join(c.dir, name) }

// svid mints a leaf for id and writes name.pem and name.key.
func (c *ca) svid(t *testing.T, name, id string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(id)
	if err != nil {
		t.Fatal(err)
	}
	serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), URIs: []*url.URL{u},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.cert, &key.PublicKey, c.key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = c.path(name+".pem"), c.path(name+".key")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "PRIVATE KEY", keyDER)
	return certFile, keyFile
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

const (
	agentID   = "spiffe://zeta.test/agent/node-1"
	allowedID = "spiffe://zeta.test/ops/zetactl"
	otherID   = "spiffe://zeta.test/ns/shop/sa/web"
)

// TestMutualTLS serves the API on TCP and calls it with clients of
// several identities: only an SVID of an allowed ID from the configured
// CA gets an answer.
func TestMutualTLS(t *testing.T) {
	authority := newCA(t, "zeta test CA")
	stranger := newCA(t, "another CA")
	cert, key := authority.svid(t, "agent", agentID)
	cfg := Config{
		Address: "127.0.0.1:0", TLSCert: cert, TLSKey: key, TLSCA: authority.path("ca.pem"),
		AllowedSPIFFEIDs: []string{allowedID, "spiffe://other.test/ops/zetactl"},
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	tlsCfg, err := serverTLS(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := testServer(t, 8)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serveAll(ctx, map[*grpc.Server]net.Listener{s.newGRPC(grpc.Creds(credentials.NewTLS(tlsCfg))): ln})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})

	bundle, err := x509bundle.Load(spiffeid.RequireTrustDomainFromString("zeta.test"), authority.path("ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	call := func(t *testing.T, tlsConf *tls.Config) error {
		t.Helper()
		conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(credentials.NewTLS(tlsConf)))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		cctx, ccancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer ccancel()
		_, err = pb.NewObserverClient(conn).GetStatus(cctx, &pb.GetStatusRequest{})
		return err
	}
	client := func(t *testing.T, c *ca, id string) *tls.Config {
		t.Helper()
		certFile, keyFile := c.svid(t, strings.ReplaceAll(id, "/", "_"), id)
		svid, err := x509svid.Load(certFile, keyFile)
		if err != nil {
			t.Fatal(err)
		}
		// The client checks the agent's SPIFFE ID in turn.
		return tlsconfig.MTLSClientConfig(svid, bundle, tlsconfig.AuthorizeID(spiffeid.RequireFromString(agentID)))
	}

	t.Run("allowed", func(t *testing.T) {
		if err := call(t, client(t, authority, allowedID)); err != nil {
			t.Fatalf("allowed client refused: %v", err)
		}
	})
	t.Run("denied id", func(t *testing.T) {
		if err := call(t, client(t, authority, otherID)); status.Code(err) != codes.Unavailable {
			t.Fatalf("a client with an ID off the list: %v", err)
		}
	})
	t.Run("other CA", func(t *testing.T) {
		if err := call(t, client(t, stranger, allowedID)); status.Code(err) != codes.Unavailable {
			t.Fatalf("an allowed ID from an unknown CA: %v", err)
		}
	})
	t.Run("no client certificate", func(t *testing.T) {
		conf := tlsconfig.TLSClientConfig(bundle, tlsconfig.AuthorizeID(spiffeid.RequireFromString(agentID)))
		if err := call(t, conf); status.Code(err) != codes.Unavailable {
			t.Fatalf("a client without a certificate: %v", err)
		}
	})
}

// TestVerifyPeer checks why the server refuses: the chain must verify
// against the CA file and the ID must be on the list.
func TestVerifyPeer(t *testing.T) {
	authority := newCA(t, "zeta test CA")
	stranger := newCA(t, "another CA")
	cert, key := authority.svid(t, "agent", agentID)
	tlsCfg, err := serverTLS(Config{TLSCert: cert, TLSKey: key, TLSCA: authority.path("ca.pem"), AllowedSPIFFEIDs: []string{allowedID}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ca   *ca
		id   string
		want string
	}{
		{authority, allowedID, ""},
		{authority, otherID, "unexpected ID"},
		{stranger, allowedID, "could not verify leaf certificate"},
		{authority, "spiffe://other.test/ops/zetactl", "unexpected ID"},
	} {
		certFile, _ := tc.ca.svid(t, "peer", tc.id)
		data, err := os.ReadFile(certFile)
		if err != nil {
			t.Fatal(err)
		}
		block, _ := pem.Decode(data)
		peer, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		err = tlsCfg.VerifyConnection(tls.ConnectionState{PeerCertificates: []*x509.Certificate{peer}})
		if (tc.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s from %s: %v, want %q", tc.id, tc.ca.cert.Subject.CommonName, err, tc.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		c    Config
		want string
	}{
		{Config{}, ""},
		{Config{TLSCert: "c"}, "need api-address"},
		{Config{Address: "127.0.0.1:9963"}, "mutual TLS only"},
		{Config{Address: "127.0.0.1:9963", TLSCert: "c", TLSKey: "k", TLSCA: "a"}, "no client would be allowed"},
		{Config{Address: "127.0.0.1:9963", TLSCert: "c", TLSKey: "k", TLSCA: "a", AllowedSPIFFEIDs: []string{"web"}}, "api-allowed-spiffe-ids"},
		{Config{Address: "nohost", TLSCert: "c", TLSKey: "k", TLSCA: "a", AllowedSPIFFEIDs: []string{allowedID}}, "api-address"},
		{Config{Address: ":9963", TLSCert: "c", TLSKey: "k", TLSCA: "a", AllowedSPIFFEIDs: []string{allowedID}}, ""},
	} {
		err := tc.c.Validate()
		if (tc.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.c, err, tc.want)
		}
	}
	if _, err := serverTLS(Config{TLSCert: "/nonexistent", TLSKey: "/nonexistent", TLSCA: "/nonexistent", AllowedSPIFFEIDs: []string{allowedID}}); err == nil {
		t.Error("serverTLS with missing files succeeded")
	}
}
