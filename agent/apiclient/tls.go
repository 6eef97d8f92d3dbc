package apiclient

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"syscall"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/spiffetls/tlsconfig"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	pb "github.com/zeta-net/zeta/api/zeta/observer/v1"
)

// ErrTLS means mutual TLS with the agent failed: its certificate does not
// chain to the CA or names another SPIFFE ID, or it refused the client's.
var ErrTLS = errors.New("mutual TLS with the agent failed")

// TLSConfig is how a client proves itself to an agent's TCP listener and
// checks the agent in turn. Keys are read from files, never given inline.
type TLSConfig struct {
	// Cert and Key are the client's X.509-SVID and its private key (PEM).
	Cert, Key string
	// CA holds the CA certificates (PEM) the agent's SVID must chain to.
	CA string
	// AgentID is the SPIFFE ID the agent must present; empty accepts any
	// ID in the client's own trust domain.
	AgentID string
}

// config loads the files into a client tls.Config.
func (c TLSConfig) config() (*tls.Config, error) {
	if c.Cert == "" || c.Key == "" || c.CA == "" {
		return nil, errors.New("mutual TLS needs a client certificate, its key and a CA file")
	}
	svid, err := x509svid.Load(c.Cert, c.Key)
	if err != nil {
		return nil, fmt.Errorf("load client certificate %s: %w", c.Cert, err)
	}
	authorize := tlsconfig.AuthorizeMemberOf(svid.ID.TrustDomain())
	if c.AgentID != "" {
		id, err := spiffeid.FromString(c.AgentID)
		if err != nil {
			return nil, fmt.Errorf("agent SPIFFE ID %q: %w", c.AgentID, err)
		}
		authorize = tlsconfig.AuthorizeID(id)
	}
	bundle := caFile(c.CA)
	// Fail on an unreadable CA file before dialling.
	if _, err := bundle.GetX509BundleForTrustDomain(svid.ID.TrustDomain()); err != nil {
		return nil, err
	}
	conf := tlsconfig.MTLSClientConfig(svid, bundle, authorize)
	conf.MinVersion = tls.VersionTLS13
	return conf, nil
}

// caFile is an x509bundle.Source with one set of trust anchors for every
// trust domain, as the agent's listener has.
type caFile string

// GetX509BundleForTrustDomain implements x509bundle.Source.
func (f caFile) GetX509BundleForTrustDomain(td spiffeid.TrustDomain) (*x509bundle.Bundle, error) {
	b, err := x509bundle.Load(td, string(f))
	if err != nil {
		return nil, fmt.Errorf("load CA file: %w", err)
	}
	return b, nil
}

// DialTLS connects to an agent's API on TCP address addr with mutual
// TLS. It completes one handshake first, so that a wrong certificate on
// either side is ErrTLS, and nothing listening is ErrAgentNotRunning,
// before any call.
func DialTLS(ctx context.Context, addr string, c TLSConfig) (*Client, error) {
	conf, err := c.config()
	if err != nil {
		return nil, fmt.Errorf("connect to the agent at %s: %w", addr, err)
	}
	if err := probeTLS(ctx, addr, conf); err != nil {
		return nil, err
	}
	conn, err := grpc.NewClient("passthrough:///"+addr,
		grpc.WithTransportCredentials(credentials.NewTLS(conf)),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxResponse)))
	if err != nil {
		return nil, fmt.Errorf("connect to the agent at %s: %w", addr, err)
	}
	return &Client{conn: conn, api: pb.NewObserverClient(conn)}, nil
}

// probeTLS shakes hands with the agent and reads its first bytes. In TLS
// 1.3 the client's handshake ends before the server has judged the
// client's certificate, so a refusal arrives as an alert on the first
// read; the agent's gRPC server speaks first (its HTTP/2 settings), so
// that read does not wait on success.
func probeTLS(ctx context.Context, addr string, conf *tls.Config) error {
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	conf = conf.Clone()
	conf.NextProtos = []string{"h2"} // gRPC servers close connections without it
	d := tls.Dialer{Config: conf}
	conn, err := d.DialContext(ctx, "tcp", addr)
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("%w: nothing listens on %s", ErrAgentNotRunning, addr)
	case isNetError(err):
		return fmt.Errorf("connect to the agent at %s: %w", addr, err)
	case err != nil:
		return fmt.Errorf("%w at %s: %w", ErrTLS, addr, err)
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	_ = conn.SetReadDeadline(deadline)
	if _, err := conn.Read(make([]byte, 1)); err != nil && !errors.Is(err, context.DeadlineExceeded) && !isTimeout(err) {
		return fmt.Errorf("%w at %s: the agent refused this client: %w", ErrTLS, addr, err)
	}
	return nil
}

// isNetError tells a failure to reach the address from a TLS failure.
func isNetError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
