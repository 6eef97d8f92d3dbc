package agent

import (
	"context"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"os"
	"slices"

	"golang.org/x/sys/unix"

	"github.com/zeta-net/zeta/agent/desired"
	"github.com/zeta-net/zeta/agent/flow"
	"github.com/zeta-net/zeta/agent/l7/authz"
	"github.com/zeta-net/zeta/agent/l7/jwks"
	"github.com/zeta-net/zeta/agent/l7/jwt"
	"github.com/zeta-net/zeta/agent/l7/proxy"
	"github.com/zeta-net/zeta/agent/tunnel"
	"github.com/zeta-net/zeta/bpf/maps/interceptmap"
	"github.com/zeta-net/zeta/policy"
	l7policy "github.com/zeta-net/zeta/policy/l7"
	"github.com/zeta-net/zeta/policy/secid"
)

// l7State compiles the HTTP rules of the local pods' intercepted ports.
// It is owned by the Run loop; the engines it makes go into the view.
type l7State struct {
	comp     *l7policy.Compiler
	keys     *jwks.Pool
	verifier *jwt.Verifier
}

func newL7State(cfg Config, a *Agent) *l7State {
	return &l7State{
		comp:     l7policy.NewCompiler(policy.Options{TrustDomain: a.td, DefaultDeny: cfg.DefaultDeny}),
		keys:     &jwks.Pool{},
		verifier: &jwt.Verifier{Cache: jwt.NewCache(0, 0)},
	}
}

// engines compiles an authz.Engine for every local pod address and L7
// intercept entry: at the entry's first port only, so a port range with
// HTTP rules is judged by the rules of its first port.
func (s *l7State) engines(a *Agent, c *desired.Cluster, d *desired.State, intercepts []interceptmap.Entry) map[netip.AddrPort]*authz.Engine {
	out := map[netip.AddrPort]*authz.Engine{}
	if !slices.ContainsFunc(intercepts, func(e interceptmap.Entry) bool { return e.Flags&interceptmap.L7 != 0 }) {
		return out
	}
	s.comp.SetPolicies(policy.Policies{
		NetworkPolicies:          slices.Collect(maps.Values(c.NetworkPolicies)),
		ZeroTrustPolicies:        slices.Collect(maps.Values(c.ZeroTrustPolicies)),
		ClusterZeroTrustPolicies: slices.Collect(maps.Values(c.ClusterZeroTrustPolicies)),
	})
	s.comp.SetPeers(policy.Peers{Identities: d.Snapshot.Identities})
	for _, w := range d.Snapshot.Endpoints {
		pod := c.Pods[w.Namespace+"/"+w.Name]
		if pod == nil {
			continue
		}
		ns := c.Namespaces[w.Namespace]
		audit := a.cfg.AuditMode || (ns != nil && ns.Annotations[desired.AuditModeAnnotation] == "true")
		for _, e := range intercepts {
			if e.Flags&interceptmap.L7 == 0 || !slices.Contains(w.IPs, e.Addr) {
				continue
			}
			p, err := s.comp.Compile(policy.Endpoint{Identity: w.Identity, Pod: pod}, e.Port)
			if err == nil && p.HasHTTP() {
				var eng *authz.Engine
				if eng, err = authz.Compile(p, authz.Options{Keys: s.keys, Verifier: s.verifier, Audit: audit}); err == nil {
					out[netip.AddrPortFrom(e.Addr, e.Port)] = eng
				}
			}
			if err != nil {
				a.log.Warn("l7 rules of an intercepted port", "pod", w.Namespace+"/"+w.Name, "port", e.Port, "error", err)
			}
		}
	}
	return out
}

// newL7Proxy is the L7 proxy: it judges with the view's engines and dials
// the workload from the node with the proxy's mark.
func (a *Agent) newL7Proxy() (*proxy.Server, error) {
	return proxy.New(proxy.Config{
		Engine: func(m proxy.Meta) *authz.Engine {
			return a.proxy.view.Load().l7[netip.AddrPortFrom(m.Destination.Addr().Unmap(), m.Destination.Port())]
		},
		Dial: func(ctx context.Context, m proxy.Meta) (net.Conn, error) {
			return dialFromProxy(ctx, netip.AddrPort{}, m.Destination)
		},
		Record: a.l7Record,
		Logger: a.log.With("component", "l7"),
	})
}

// serveL7 takes a connection accepted on the L7 proxy's port: to a local
// pod, the L7 proxy judges it here; to another node's pod, the Outbound
// tunnels it (where the destination requires mutual TLS) and the
// destination's agent judges the requests.
func (p *proxies) serveL7(ctx context.Context, c net.Conn, toOutbound func(net.Conn)) {
	src, dst := addrPort(c.RemoteAddr()), addrPort(c.LocalAddr())
	v := p.view.Load()
	if _, local := v.Pod(dst.Addr()); !local {
		toOutbound(c)
		return
	}
	_ = p.l7.ServeConn(ctx, c, proxy.Meta{Source: src, Destination: dst, PeerIdentity: v.identityOf(src.Addr())})
}

// identityOf is the security identity of a pod address, world otherwise.
func (v *proxyView) identityOf(ip netip.Addr) secid.ID {
	if w, ok := v.byIP[ip.Unmap()]; ok {
		return w.Identity
	}
	return secid.World
}

// dialInbound is the Inbound's Dialer: a stream to a port with HTTP rules
// goes to the L7 proxy, others to the pod.
func (p *proxies) dialInbound(ctx context.Context, src, dst netip.AddrPort) (net.Conn, error) {
	v := p.view.Load()
	if v.l7[netip.AddrPortFrom(dst.Addr().Unmap(), dst.Port())] == nil {
		return dialFromProxy(ctx, src, dst)
	}
	mine, theirs, err := connPair()
	if err != nil {
		return nil, err
	}
	// The peer is who the handshake proved; it has its source pod's
	// identity only if that pod runs as the proven SPIFFE ID, so that a
	// forwarded address cannot borrow another pod's identity.
	m := proxy.Meta{Source: src, Destination: dst, PeerIdentity: secid.World}
	if id, ok := tunnel.PeerID(ctx); ok {
		m.PeerSPIFFEID = id.String()
	}
	if w, ok := v.byIP[src.Addr().Unmap()]; ok && m.PeerSPIFFEID != "" && w.SPIFFEID == m.PeerSPIFFEID {
		m.PeerIdentity = w.Identity
	}
	go func() { _ = p.l7.ServeConn(context.WithoutCancel(ctx), theirs, m) }()
	return mine, nil
}

// connPair is a connected pair of stream sockets, which unlike net.Pipe
// can be half-closed as the tunnel's splice does.
func connPair() (net.Conn, net.Conn, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("socketpair: %w", err)
	}
	var conns [2]net.Conn
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "l7-stream")
		c, err := net.FileConn(f)
		_ = f.Close()
		if err != nil {
			if i == 1 {
				_ = conns[0].Close()
			} else {
				_ = unix.Close(fds[1])
			}
			return nil, nil, fmt.Errorf("socketpair conn: %w", err)
		}
		conns[i] = c
	}
	return conns[0], conns[1], nil
}

// l7Record turns an L7 proxy record into a flow record.
func (a *Agent) l7Record(r proxy.Record) {
	snap := a.snapshot.Load()
	peer := func(ap netip.AddrPort) flow.Peer {
		p := flow.Peer{IP: ap.Addr().Unmap().String(), Port: ap.Port()}
		if w, ok := snap.ByIP[ap.Addr().Unmap()]; ok {
			p.Namespace, p.Pod, p.Identity, p.SPIFFEID = w.Namespace, w.Name, uint32(w.Identity), w.SPIFFEID
		}
		return p
	}
	ipv := 4
	if r.Destination.Addr().Unmap().Is6() {
		ipv = 6
	}
	verdict := "ALLOWED"
	switch r.Decision {
	case proxy.DecisionDeny:
		verdict = "DENIED"
	case proxy.DecisionAudit:
		verdict = "AUDIT"
	}
	rec := &flow.Record{
		Time: r.Time, Node: a.cfg.Node, Verdict: verdict, Direction: "ingress", IPVersion: ipv, Protocol: "TCP",
		Source: peer(r.Source), Destination: peer(r.Destination), Policy: r.Rule, Type: flow.TypeL7,
		L7: &flow.L7{
			Method: r.Method, Host: r.Host, Path: r.Path, Status: r.Status, Reason: r.Reason,
			Issuer: r.Issuer, Subject: r.Subject,
		},
	}
	if r.PeerSPIFFEID != "" {
		rec.Source.SPIFFEID = r.PeerSPIFFEID
	}
	if rec.Destination.Pod != "" {
		rec.Endpoint = rec.Destination.Namespace + "/" + rec.Destination.Pod
	}
	if r.Decision == proxy.DecisionDeny {
		rec.DropReason = r.Reason
	}
	a.flows.Hub.Publish(rec)
}
