package tunnel

import (
	"context"
	"fmt"
	"net"
	"net/netip"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
)

// SVIDSource gives the local workloads their SVIDs and the trust bundles
// that peers are verified against; identity.SVIDSource implements it.
// Each new TLS connection asks again, so rotation needs no restart.
type SVIDSource interface {
	SVID(ctx context.Context, id spiffeid.ID) (*x509svid.SVID, error)
	Bundles() x509bundle.Source
}

// Workload is a pod as the tunnel names it.
type Workload struct {
	ID        spiffeid.ID
	Namespace string
	Pod       string
}

// Route says how an intercepted connection reaches its destination.
type Route struct {
	// Node is the destination node agent's tunnel address (ip:15008).
	Node netip.AddrPort
	// Workload is the destination pod; its ID is the identity the
	// destination agent must prove.
	Workload Workload
	// MutualTLS is whether the destination requires the tunnel. Without
	// it the connection goes straight to its original destination.
	MutualTLS bool
}

// Resolver is the agent's view of the cluster for outbound connections.
type Resolver interface {
	// Source returns the local workload that owns ip; false when the
	// address has no identity, and the connection is refused.
	Source(ip netip.Addr) (Workload, bool)
	// Destination returns the route to dst; false when unknown, and the
	// connection is refused.
	Destination(dst netip.AddrPort) (Route, bool)
}

// LocalPods is the agent's view of the pods on this node for inbound
// streams.
type LocalPods interface {
	// Pod returns the local pod that owns ip.
	Pod(ip netip.Addr) (Workload, bool)
	// Serves reports whether a local pod runs as id: the Inbound presents
	// an SVID only for such identities.
	Serves(id spiffeid.ID) bool
}

// Decision is an Authorizer's answer.
type Decision struct {
	Allow bool
	// Rule names the policy rule that decided, empty for a default.
	Rule string
}

// Authorizer decides whether peer may reach port on the local pod dst.
// It is called for every new stream and again for every live stream by
// Reauthorize, so it must be cheap and must not block.
type Authorizer interface {
	Authorize(peer spiffeid.ID, dst Workload, port uint16) Decision
}

// Dialer opens the TCP connections the tunnel makes: to a destination
// node's agent (src invalid), to a local pod and to a pass-through
// destination (src is the original source, which the agent may bind to
// where the kernel allows). The agent uses it to mark or bind sockets so
// that its own connections are not intercepted again.
type Dialer func(ctx context.Context, src, dst netip.AddrPort) (net.Conn, error)

// DialTCP is the default Dialer: a plain TCP connection from any local
// address, without Multipath TCP (which socket maps refuse).
func DialTCP(ctx context.Context, _, dst netip.AddrPort) (net.Conn, error) {
	var d net.Dialer
	d.SetMultipathTCP(false)
	c, err := d.DialContext(ctx, "tcp", dst.String())
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", dst, err)
	}
	return c, nil
}
