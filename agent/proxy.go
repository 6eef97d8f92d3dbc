package agent

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"golang.org/x/sys/unix"

	"github.com/zeta-net/zeta/agent/datapath"
	"github.com/zeta-net/zeta/agent/flow"
	"github.com/zeta-net/zeta/agent/l7/proxy"
	"github.com/zeta-net/zeta/agent/tunnel"
	"github.com/zeta-net/zeta/bpf/maps/interceptmap"
	"github.com/zeta-net/zeta/identity"
	"github.com/zeta-net/zeta/identity/builtinca"
	"github.com/zeta-net/zeta/policy"
)

// CADir is the built-in CA's directory under the state directory, unless
// --ca-dir names another.
const CADir = "ca"

// proxies are the agent's mutual-TLS proxy: one transparent listener on
// tunnel.Port takes both the pod connections the datapath steers to it
// (their local address is the original destination) and the tunnels of
// other nodes' agents (their local address is this node's own), and hands
// each to the Outbound or the Inbound.
type proxies struct {
	src  identity.SVIDSource
	view atomic.Pointer[proxyView]
	out  *tunnel.Outbound
	in   *tunnel.Inbound
	// l7 judges HTTP requests to ports with HTTP rules (proxyl7.go);
	// l7s compiles their rules on the Run loop.
	l7  *proxy.Server
	l7s *l7State
	// own are this node's addresses, from the last reconcile.
	own atomic.Pointer[[]netip.Addr]
}

// initProxy sets up the SVID source and the tunnel ends; nothing listens
// until runProxy.
func (a *Agent) initProxy() error {
	ca := a.cfg.CA
	ca.TrustDomain, ca.Log = a.td, a.log.With("component", "builtinca")
	if ca.Dir == "" {
		ca.Dir = filepath.Join(a.cfg.StateDir, CADir)
	}
	src, err := builtinca.New(ca)
	if err != nil {
		return fmt.Errorf("built-in ca: %w", err)
	}
	p := &proxies{src: src, l7s: newL7State(a.cfg, a)}
	a.proxy = p
	p.view.Store(&proxyView{})
	p.own.Store(&[]netip.Addr{})
	log := a.log.With("component", "tunnel")
	p.out, err = tunnel.NewOutbound(tunnel.OutboundConfig{
		Resolver: viewOf{&p.view}, SVIDs: src, Dial: dialFromProxy, Record: a.tunnelRecord, Log: log,
	})
	if err != nil {
		return err
	}
	p.in, err = tunnel.NewInbound(tunnel.InboundConfig{
		TrustDomain: a.td, SVIDs: src, Pods: viewOf{&p.view}, Authorizer: viewOf{&p.view},
		Dial: p.dialInbound, Record: a.tunnelRecord, Log: log,
	})
	if err != nil {
		return err
	}
	if p.l7, err = a.newL7Proxy(); err != nil {
		return err
	}
	a.AddReadinessCheck("identity", func() error {
		if !src.Ready() {
			return errors.New("the built-in CA has no trust bundle yet")
		}
		return nil
	})
	return nil
}

// viewOf reads the current view at every call, so that the tunnel sees
// each reconcile's.
type viewOf struct{ p *atomic.Pointer[proxyView] }

func (v viewOf) Source(ip netip.Addr) (tunnel.Workload, bool) { return v.p.Load().Source(ip) }
func (v viewOf) Destination(dst netip.AddrPort) (tunnel.Route, bool) {
	return v.p.Load().Destination(dst)
}
func (v viewOf) Pod(ip netip.Addr) (tunnel.Workload, bool) { return v.p.Load().Pod(ip) }
func (v viewOf) Serves(id spiffeid.ID) bool                { return v.p.Load().Serves(id) }
func (v viewOf) Authorize(peer spiffeid.ID, dst tunnel.Workload, port uint16) tunnel.Decision {
	return v.p.Load().Authorize(peer, dst, port)
}

// runProxy installs the policy route that delivers steered connections
// and serves the transparent listener until ctx is done.
func (a *Agent) runProxy(goRun func(string, func(context.Context) error)) {
	p := a.proxy
	goRun("identity", p.src.Run)
	goRun("proxy", func(ctx context.Context) error {
		if err := datapath.InstallProxyRoute(); err != nil {
			return err
		}
		ln, err := listenTransparent(ctx, tunnel.Port)
		if err != nil {
			return err
		}
		l7ln, err := listenTransparent(ctx, int(policy.DefaultL7ProxyPort))
		if err != nil {
			return errors.Join(err, ln.Close())
		}
		out, in := newChanListener(ln.Addr()), newChanListener(ln.Addr())
		go func() { _ = p.out.Serve(ctx, out) }()
		go func() { _ = p.in.Serve(ctx, in) }()
		context.AfterFunc(ctx, func() {
			_ = ln.Close()
			_ = l7ln.Close()
			shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = p.out.Shutdown(shut)
			_ = p.in.Shutdown(shut)
			_ = p.l7.Close()
		})
		errc := make(chan error, 1)
		go func() {
			errc <- acceptLoop(ctx, l7ln, func(c net.Conn) { go p.serveL7(ctx, c, out.push) })
		}()
		err = acceptLoop(ctx, ln, func(c net.Conn) {
			if p.inbound(c.LocalAddr()) {
				in.push(c)
			} else {
				out.push(c)
			}
		})
		return errors.Join(err, <-errc)
	})
}

// acceptLoop hands what ln accepts to take until ctx is done.
func acceptLoop(ctx context.Context, ln net.Listener, take func(net.Conn)) error {
	for {
		c, err := ln.Accept()
		// The listener is closed when ctx is done: the normal end.
		if ctx.Err() != nil {
			if c != nil {
				_ = c.Close()
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("accept on %s: %w", ln.Addr(), err)
		}
		take(c)
	}
}

// inbound reports whether a connection accepted on local came to this
// node's own tunnel port, rather than being steered from a pod.
func (p *proxies) inbound(local net.Addr) bool {
	ap := addrPort(local)
	if ap.Port() != tunnel.Port {
		return false
	}
	for _, a := range *p.own.Load() {
		if a == ap.Addr() {
			return true
		}
	}
	return ap.Addr().IsLoopback()
}

func addrPort(a net.Addr) netip.AddrPort {
	if t, ok := a.(*net.TCPAddr); ok {
		ap := t.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	return netip.AddrPort{}
}

// listenTransparent listens on every address of both families with
// IP_TRANSPARENT, which bpf_sk_assign requires of the socket it hands
// steered connections to, and without Multipath TCP.
func listenTransparent(ctx context.Context, port int) (net.Listener, error) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = errors.Join(
				unix.SetsockoptInt(int(fd), unix.SOL_IPV6, unix.IPV6_TRANSPARENT, 1),
				unix.SetsockoptInt(int(fd), unix.SOL_IP, unix.IP_TRANSPARENT, 1))
		})
		return errors.Join(err, serr)
	}}
	lc.SetMultipathTCP(false)
	ln, err := lc.Listen(ctx, "tcp", fmt.Sprintf("[::]:%d", port))
	if err != nil {
		return nil, fmt.Errorf("transparent listener on %d: %w", port, err)
	}
	return ln, nil
}

// dialFromProxy is the tunnel's Dialer: from the node, with the proxy's
// mark, so that the destination's datapath lets it reach a protected port.
func dialFromProxy(ctx context.Context, _, dst netip.AddrPort) (net.Conn, error) {
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_MARK, interceptmap.MarkFromProxy)
		})
		return errors.Join(err, serr)
	}}
	d.SetMultipathTCP(false)
	c, err := d.DialContext(ctx, "tcp", dst.String())
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", dst, err)
	}
	return c, nil
}

// tunnelRecord turns a tunnel record into a flow record.
func (a *Agent) tunnelRecord(r tunnel.Record) {
	ipv := 4
	if r.Source.IP.Unmap().Is6() {
		ipv = 6
	}
	snap := a.snapshot.Load()
	peer := func(p tunnel.Peer) flow.Peer {
		fp := flow.Peer{IP: p.IP.Unmap().String(), Port: p.Port, Namespace: p.Namespace, Pod: p.Pod, SPIFFEID: p.SPIFFEID}
		// The Inbound knows the peer by its certificate and the address it
		// forwarded; the cluster state names its pod.
		if w, ok := snap.ByIP[p.IP.Unmap()]; ok && fp.Pod == "" {
			fp.Namespace, fp.Pod, fp.Identity = w.Namespace, w.Name, uint32(w.Identity)
		}
		return fp
	}
	local := r.Source
	if r.Direction == tunnel.Ingress {
		local = r.Destination
	}
	rec := &flow.Record{
		Time: r.End, Node: a.cfg.Node, Verdict: r.Verdict, DropReason: r.DropReason, Direction: r.Direction,
		IPVersion: ipv, Protocol: "TCP", Source: peer(r.Source), Destination: peer(r.Destination),
		Policy: r.Policy, Type: flow.TypeTunnel,
		Totals: &flow.Totals{FwdBytes: r.BytesToDestination, RevBytes: r.BytesToSource, Started: r.Start, End: flow.EndClosed},
	}
	if local.Pod != "" {
		rec.Endpoint = local.Namespace + "/" + local.Pod
	}
	a.flows.Hub.Publish(rec)
}

// update publishes a reconcile's view and the node's addresses, and has
// the Inbound judge its live streams again under the new policy.
func (p *proxies) update(v *proxyView, own []netip.Addr) {
	p.view.Store(v)
	p.own.Store(&own)
	p.in.Reauthorize()
}
