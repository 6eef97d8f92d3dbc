package identity_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"testing"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"

	"github.com/zeta-net/zeta/identity"
)

// tlsConfig authenticates with svid and accepts a peer only through
// VerifyPeer, reporting the peer's ID on got: the way a tunnel uses an
// SVID source.
func tlsConfig(svid *x509svid.SVID, bundles x509bundle.Source, got chan<- spiffeid.ID) *tls.Config {
	cert := tls.Certificate{PrivateKey: svid.PrivateKey, Leaf: svid.Certificates[0]}
	for _, c := range svid.Certificates {
		cert.Certificate = append(cert.Certificate, c.Raw)
	}
	return &tls.Config{
		MinVersion:         tls.VersionTLS13,
		Certificates:       []tls.Certificate{cert},
		ClientAuth:         tls.RequireAnyClientCert,
		InsecureSkipVerify: true, //nolint:gosec // VerifyPeerCertificate verifies against the SPIFFE bundle instead of Web PKI names
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			var chain []*x509.Certificate
			for _, r := range raw {
				c, err := x509.ParseCertificate(r)
				if err != nil {
					return err
				}
				chain = append(chain, c)
			}
			id, err := identity.VerifyPeer(chain, bundles)
			if err != nil {
				return err
			}
			got <- id
			return nil
		},
	}
}

func TestMutualTLS(t *testing.T) {
	ca, _ := newCA(t, "zeta.test", nil)
	webID := spiffeid.RequireFromString("spiffe://zeta.test/ns/prod/sa/web")
	client, err := ca.SVID(context.Background(), apiID)
	if err != nil {
		t.Fatal(err)
	}
	server, err := ca.SVID(context.Background(), webID)
	if err != nil {
		t.Fatal(err)
	}
	stranger, _ := newCA(t, "zeta.test", nil) // same trust domain name, other root
	intruder, err := stranger.SVID(context.Background(), apiID)
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name   string
		client *x509svid.SVID
		ok     bool
	}{
		{"client of the trust domain", client, true},
		{"client of another root", intruder, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := net.Pipe()
			serverSaw, clientSaw := make(chan spiffeid.ID, 1), make(chan spiffeid.ID, 1)
			srv := tls.Server(a, tlsConfig(server, ca.Bundles(), serverSaw))
			cli := tls.Client(b, tlsConfig(tc.client, ca.Bundles(), clientSaw))
			errc := make(chan error, 1)
			go func() { errc <- srv.Handshake(); a.Close() }()
			cliErr := cli.Handshake()
			b.Close()
			srvErr := <-errc
			if !tc.ok {
				if !errors.Is(srvErr, identity.ErrUntrusted) {
					t.Fatalf("server accepted a client of another root: %v", srvErr)
				}
				return
			}
			if cliErr != nil || srvErr != nil {
				t.Fatalf("handshake: client %v, server %v", cliErr, srvErr)
			}
			if got := <-serverSaw; got != apiID {
				t.Errorf("server saw %s, want %s", got, apiID)
			}
			if got := <-clientSaw; got != webID {
				t.Errorf("client saw %s, want %s", got, webID)
			}
			if v := cli.ConnectionState().Version; v != tls.VersionTLS13 {
				t.Errorf("TLS version %x, want 1.3", v)
			}
		})
	}
}
