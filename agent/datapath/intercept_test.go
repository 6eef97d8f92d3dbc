package datapath

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/maps/endpointmap"
	"github.com/zeta-net/zeta/bpf/maps/interceptmap"
	"github.com/zeta-net/zeta/bpf/maps/metricsmap"
	"github.com/zeta-net/zeta/bpf/maps/policymap"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/policy/secid"
	"github.com/zeta-net/zeta/tests/netnstest"
)

// The interception test's network: a node namespace with three pod
// namespaces behind veths, addressed as most CNIs do (/32 and /128, a
// default route through a gateway address every host-side veth has).
// Pods a and b are endpoints; c has no programs on its veth, as a pod of a
// node without Zeta would have none.
var (
	gateway4 = netip.MustParseAddr("169.254.1.1")
	gateway6 = netip.MustParseAddr("fe80::1")
	node4    = netip.MustParseAddr("192.168.100.1")
	node6    = netip.MustParseAddr("fd00:ff::1")
)

const (
	proxyPort   = 15008
	securedPort = 80 // b's port that requires the proxy
	openPort    = 81 // b's port that does not
)

type testPod struct {
	name     string
	ns       netns.NsHandle
	host     int // ifindex of the host-side veth
	addrs    [2]netip.Addr
	identity secid.ID
}

// inNetns runs f on a new OS thread in ns and returns when f does.
// Sockets f creates stay in ns. The thread is never returned to the pool:
// it ends with the goroutine.
func inNetns(ns netns.NsHandle, f func()) error {
	done := make(chan error)
	go func() {
		runtime.LockOSThread()
		if err := netns.Set(ns); err != nil {
			done <- fmt.Errorf("enter netns: %w", err)
			return
		}
		f()
		done <- nil
	}()
	return <-done
}

// dialFrom dials addr from ns.
func dialFrom(ns netns.NsHandle, addr string, timeout time.Duration) (net.Conn, error) {
	var c net.Conn
	var err error
	if nerr := inNetns(ns, func() { c, err = net.DialTimeout("tcp", addr, timeout) }); nerr != nil {
		return nil, nerr
	}
	return c, err
}

func writeSysctl(t *testing.T, path, value string) {
	t.Helper()
	if err := os.WriteFile("/proc/sys/net/"+path, []byte(value), 0); err != nil {
		t.Fatal(err)
	}
}

func prefix(a netip.Addr) *net.IPNet {
	return &net.IPNet{IP: a.AsSlice(), Mask: net.CIDRMask(a.BitLen(), a.BitLen())}
}

// addPod creates a pod namespace with one veth into the node namespace,
// which the calling goroutine is in.
func addPod(t *testing.T, node netns.NsHandle, name string, identity secid.ID, addrs [2]netip.Addr) *testPod {
	t.Helper()
	ns, err := netns.New()
	if err != nil {
		t.Fatalf("create netns: %v", err)
	}
	t.Cleanup(func() { ns.Close() })
	if err := netns.Set(node); err != nil {
		t.Fatal(err)
	}
	la := netlink.NewLinkAttrs()
	la.Name = "h" + name
	if err := netlink.LinkAdd(&netlink.Veth{LinkAttrs: la, PeerName: "p" + name}); err != nil {
		t.Fatalf("add veth: %v", err)
	}
	host, err := netlink.LinkByName("h" + name)
	if err != nil {
		t.Fatal(err)
	}
	peer, err := netlink.LinkByName("p" + name)
	if err != nil {
		t.Fatal(err)
	}
	if err := netlink.LinkSetNsFd(peer, int(ns)); err != nil {
		t.Fatalf("move veth: %v", err)
	}
	nodad := unix.IFA_F_NODAD
	for _, a := range []*netlink.Addr{
		{IPNet: prefix(gateway4)},
		{IPNet: &net.IPNet{IP: gateway6.AsSlice(), Mask: net.CIDRMask(64, 128)}, Flags: nodad},
	} {
		if err := netlink.AddrAdd(host, a); err != nil {
			t.Fatalf("address the host side: %v", err)
		}
	}
	if err := netlink.LinkSetUp(host); err != nil {
		t.Fatal(err)
	}
	for i, src := range []netip.Addr{node4, node6} {
		r := &netlink.Route{LinkIndex: host.Attrs().Index, Dst: prefix(addrs[i]), Src: src.AsSlice(), Scope: netlink.SCOPE_LINK}
		if err := netlink.RouteAdd(r); err != nil {
			t.Fatalf("route to %s: %v", addrs[i], err)
		}
	}

	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	eth, err := h.LinkByName("p" + name)
	if err != nil {
		t.Fatal(err)
	}
	lo, err := h.LinkByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []netlink.Link{lo, eth} {
		if err := h.LinkSetUp(l); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range addrs {
		if err := h.AddrAdd(eth, &netlink.Addr{IPNet: prefix(a), Flags: nodad}); err != nil {
			t.Fatalf("address pod %s: %v", name, err)
		}
	}
	for _, r := range []*netlink.Route{
		{LinkIndex: eth.Attrs().Index, Dst: prefix(gateway4), Scope: netlink.SCOPE_LINK},
		{LinkIndex: eth.Attrs().Index, Gw: gateway4.AsSlice()},
		{LinkIndex: eth.Attrs().Index, Gw: gateway6.AsSlice()},
	} {
		if err := h.RouteAdd(r); err != nil {
			t.Fatalf("route in pod %s: %v", name, err)
		}
	}
	return &testPod{name: name, ns: ns, host: host.Attrs().Index, addrs: addrs, identity: identity}
}

// echoServer accepts on addr in ns: it answers the first line with
// "<line> via <client address>" and echoes the rest.
func echoServer(t *testing.T, ns netns.NsHandle, addr string) {
	t.Helper()
	var ln net.Listener
	var err error
	if nerr := inNetns(ns, func() { ln, err = net.Listen("tcp", addr) }); nerr != nil {
		t.Fatal(nerr)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				line, err := r.ReadString('\n')
				if err != nil {
					return
				}
				from := c.RemoteAddr().(*net.TCPAddr).AddrPort().Addr().Unmap()
				fmt.Fprintf(c, "%s via %s\n", strings.TrimSpace(line), from)
				_, _ = io.Copy(c, r)
			}()
		}
	}()
}

// captured is a connection the proxy accepted: its two ends.
type captured struct{ local, remote netip.AddrPort }

// proxy is a transparent listener in the node namespace, as the agent's
// proxy would have: it records what it accepts and connects each
// connection to its original destination from the node.
type proxy struct {
	mu       sync.Mutex
	accepted []captured
}

// listenTransparent listens on the proxy's way: every address, both
// families, IPV6_TRANSPARENT, no MPTCP, in the calling thread's netns.
func listenTransparent(t *testing.T, port int) net.Listener {
	t.Helper()
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_IPV6, unix.IPV6_TRANSPARENT, 1)
		})
		return errors.Join(err, serr)
	}}
	lc.SetMultipathTCP(false)
	ln, err := lc.Listen(context.Background(), "tcp", fmt.Sprintf("[::]:%d", port))
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// serve accepts on ln until it is closed.
func (p *proxy) serve(node netns.NsHandle, ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		local := c.LocalAddr().(*net.TCPAddr).AddrPort()
		local = netip.AddrPortFrom(local.Addr().Unmap(), local.Port())
		remote := c.RemoteAddr().(*net.TCPAddr).AddrPort()
		p.mu.Lock()
		p.accepted = append(p.accepted, captured{local, netip.AddrPortFrom(remote.Addr().Unmap(), remote.Port())})
		p.mu.Unlock()
		go p.forward(node, c, local)
	}
}

// forward connects c to dst from the node. A failure shows as the
// client's missing answer.
func (p *proxy) forward(node netns.NsHandle, c net.Conn, dst netip.AddrPort) {
	defer c.Close()
	up, err := dialFrom(node, dst.String(), 5*time.Second)
	if err != nil {
		return
	}
	defer up.Close()
	go func() { _, _ = io.Copy(up, c) }()
	_, _ = io.Copy(c, up)
}

func (p *proxy) connections() []captured {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]captured(nil), p.accepted...)
}

// exchange dials dst from ns, sends a line and 1 MiB and checks what
// comes back: the line with the address the server saw, then the same
// bytes. It returns the client's address.
func exchange(t *testing.T, ns netns.NsHandle, dst netip.AddrPort, wantVia netip.Addr) netip.AddrPort {
	t.Helper()
	c, err := dialFrom(ns, dst.String(), 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", dst, err)
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := fmt.Fprintf(c, "hello\n"); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("read from %s: %v", dst, err)
	}
	if want := fmt.Sprintf("hello via %s\n", wantVia); line != want {
		t.Errorf("%s answered %q, want %q", dst, line, want)
	}
	payload := make([]byte, 1<<20)
	rand.Read(payload)
	go func() { _, _ = c.Write(payload) }()
	back := make([]byte, len(payload))
	if _, err := io.ReadFull(r, back); err != nil {
		t.Fatalf("read the echo from %s: %v", dst, err)
	}
	if !bytes.Equal(back, payload) {
		t.Errorf("%s echoed different bytes", dst)
	}
	local := c.LocalAddr().(*net.TCPAddr).AddrPort()
	return netip.AddrPortFrom(local.Addr().Unmap(), local.Port())
}

// interceptNet is the test network with the datapath attached to a's and
// b's veths, b's ports and policy in place, the policy route installed
// and b's servers listening.
type interceptNet struct {
	node    netns.NsHandle
	a, b, c *testPod
	d       *Datapath
}

// newInterceptNet must run on the test's goroutine: it moves it into the
// node namespace until the test ends. b requires the proxy (the entry of
// securedPort) at each of ports.
func newInterceptNet(t *testing.T, ports ...uint16) *interceptNet {
	node := netnstest.Enter(t)
	root := testRoot(t)
	writeSysctl(t, "ipv4/ip_forward", "1")
	writeSysctl(t, "ipv6/conf/all/forwarding", "1")
	lo, err := netlink.LinkByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	if err := netlink.LinkSetUp(lo); err != nil {
		t.Fatal(err)
	}
	for _, a := range []netip.Addr{node4, node6} {
		if err := netlink.AddrAdd(lo, &netlink.Addr{IPNet: prefix(a), Flags: unix.IFA_F_NODAD}); err != nil {
			t.Fatal(err)
		}
	}
	a := addPod(t, node, "a", 1000, [2]netip.Addr{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("fd00::1")})
	b := addPod(t, node, "b", 2000, [2]netip.Addr{netip.MustParseAddr("10.0.1.5"), netip.MustParseAddr("fd00:1::5")})
	c := addPod(t, node, "c", 3000, [2]netip.Addr{netip.MustParseAddr("10.0.2.7"), netip.MustParseAddr("fd00:2::7")})

	d, err := Open(root, bpf.Options{CTEntries: 4096}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	for _, ip := range []netip.Addr{node4, node6} {
		if err := d.IPCache.Upsert(netip.PrefixFrom(ip, ip.BitLen()), uint32(secid.Host)); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []*testPod{a, b, c} {
		for _, ip := range p.addrs {
			if err := d.IPCache.Upsert(netip.PrefixFrom(ip, ip.BitLen()), uint32(p.identity)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, p := range []*testPod{a, b} {
		info := endpointmap.Info{ID: uint32(p.host), Identity: uint32(p.identity)}
		if p == b {
			info.Flags = endpointmap.EnforceIngress
		}
		if err := d.Endpoints.Upsert(uint32(p.host), info); err != nil {
			t.Fatal(err)
		}
		if err := d.Attach(p.host); err != nil {
			t.Fatal(err)
		}
	}
	entries := []policy.Entry{
		{Identity: secid.Any, Protocol: bpf.ProtoTCP, Port: openPort, PortPrefix: 16, Verdict: policy.Allow, Rule: 2},
		{Identity: secid.Host, Verdict: policy.Allow, Rule: 3},
	}
	for _, port := range ports {
		entries = append(entries, policy.Entry{Identity: secid.Any, Protocol: bpf.ProtoTCP, Port: port, PortPrefix: 16,
			Verdict: policy.Redirect, ProxyPort: proxyPort, Rule: 1})
	}
	for _, e := range entries {
		if err := d.Policy.Update(policymap.KeyOf(uint32(b.host), e)); err != nil {
			t.Fatal(err)
		}
	}
	for _, port := range ports {
		for _, ip := range b.addrs {
			k, v := interceptmap.KeyOf(interceptmap.Entry{Addr: ip, Protocol: bpf.ProtoTCP, Port: port, PortPrefix: 16,
				ProxyPort: proxyPort, Flags: interceptmap.MutualTLS})
			if err := d.Intercept.Update(k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Twice: installing is idempotent.
	for range 2 {
		if err := d.EnsureProxyRoute(); err != nil {
			t.Fatal(err)
		}
		if err := InstallProxyRoute(); err != nil {
			t.Fatal(err)
		}
	}

	for _, port := range append(ports, openPort) {
		echoServer(t, b.ns, fmt.Sprintf("[::]:%d", port))
	}
	return &interceptNet{node: node, a: a, b: b, c: c, d: d}
}

// TestPrivilegedIntercept runs interception for real, in both families:
// pod a's connection to pod b's port that requires the proxy lands on a
// transparent listener in the node namespace whose getsockname() is the
// original destination, and carries bytes both ways through that proxy
// to b, which sees the node as the client; a's connection to b's other
// port is not captured and reaches b directly; pod c, whose veth has no
// programs (not steered), cannot reach the protected port in plaintext:
// b's datapath drops it as proxy_bypass.
func TestPrivilegedIntercept(t *testing.T) {
	n := newInterceptNet(t, securedPort)
	node, a, b, c, d := n.node, n.a, n.b, n.c, n.d
	px := &proxy{}
	go px.serve(node, listenTransparent(t, proxyPort))

	for fam, name := range []string{"IPv4", "IPv6"} {
		t.Run(name, func(t *testing.T) {
			dst := netip.AddrPortFrom(b.addrs[fam], securedPort)
			nodeAddr := []netip.Addr{node4, node6}[fam]
			before := len(px.connections())
			client := exchange(t, a.ns, dst, nodeAddr)
			got := px.connections()[before:]
			if len(got) != 1 || got[0].local != dst || got[0].remote != client {
				t.Errorf("proxy accepted %+v, want one connection %s -> %s", got, client, dst)
			}

			before = len(px.connections())
			exchange(t, a.ns, netip.AddrPortFrom(b.addrs[fam], openPort), a.addrs[fam])
			if got := px.connections()[before:]; len(got) != 0 {
				t.Errorf("proxy captured a connection to a port that needs no proxy: %+v", got)
			}

			bypass := metricsmap.Key{Endpoint: uint32(b.host), Verdict: policy.Deny, Reason: bpf.ReasonProxyBypass, Direction: policy.Ingress}
			dropsBefore := drops(t, d, bypass)
			if conn, err := dialFrom(c.ns, dst.String(), time.Second); err == nil {
				conn.Close()
				t.Errorf("pod c reached %s in plaintext", dst)
			}
			if n := drops(t, d, bypass); n <= dropsBefore {
				t.Errorf("no proxy_bypass drop counted at b for c's SYN (%d before, %d after)", dropsBefore, n)
			}
		})
	}

	if err := RemoveProxyRoute(); err != nil {
		t.Fatal(err)
	}
	if err := RemoveProxyRoute(); err != nil {
		t.Errorf("removing again: %v", err)
	}
	rules, err := netlink.RuleListFiltered(netlink.FAMILY_ALL, &netlink.Rule{Table: ProxyRouteTable}, netlink.RT_FILTER_TABLE)
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 0 {
		t.Errorf("rules left after removal: %+v", rules)
	}
}

func drops(t *testing.T, d *Datapath, k metricsmap.Key) uint64 {
	t.Helper()
	m, err := d.Metrics.Sum()
	if err != nil {
		t.Fatal(err)
	}
	return m[k].Packets
}

// TestPrivilegedInterceptSYNRetransmit: when the proxy's listener drops a
// SYN (its accept queue is full), the client's retransmitted SYN, on a
// connection conntrack already knows as proxied, goes to the listener
// again, and the connection completes once the proxy accepts. Only
// marked, it would find no socket and the dial would time out (seen with
// the listener assignment of intercept_established disabled). The ACK
// of a SYN cookie, which only the listener can check, would take the
// same path; the log says whether the kernel sent any.
func TestPrivilegedInterceptSYNRetransmit(t *testing.T) {
	n := newInterceptNet(t, securedPort)
	writeSysctl(t, "core/somaxconn", "1") // the listener's accept queue holds two
	ln := listenTransparent(t, proxyPort)
	dst := netip.AddrPortFrom(n.b.addrs[0], securedPort)

	const dials = 4
	errs := make(chan error, dials)
	for range dials {
		go func() {
			c, err := dialFrom(n.a.ns, dst.String(), 10*time.Second)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			if err := c.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
				errs <- err
				return
			}
			fmt.Fprintf(c, "hello\n")
			line, err := bufio.NewReader(c).ReadString('\n')
			if want := fmt.Sprintf("hello via %s\n", node4); err == nil && line != want {
				err = fmt.Errorf("answer %q, want %q", line, want)
			}
			errs <- err
		}()
	}
	deadline := time.Now().Add(5 * time.Second)
	// ListenOverflows: SYNs that the listener dropped with a full queue.
	for tcpExt(t, "ListenOverflows") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the listener never dropped a SYN: the test does not exercise a retransmission")
		}
		time.Sleep(10 * time.Millisecond)
	}
	px := &proxy{}
	go px.serve(n.node, ln)
	for range dials {
		if err := <-errs; err != nil {
			t.Errorf("connection through the proxy: %v", err)
		}
	}
	if got := px.connections(); len(got) != dials {
		t.Errorf("proxy accepted %d connections, want %d", len(got), dials)
	}
	t.Logf("SYN cookies sent %d, valid cookie ACKs %d", tcpExt(t, "SyncookiesSent"), tcpExt(t, "SyncookiesRecv"))
}

// tcpExt reads a TcpExt counter of the calling thread's network namespace.
func tcpExt(t *testing.T, counter string) uint64 {
	t.Helper()
	b, err := os.ReadFile("/proc/thread-self/net/netstat")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	for i := 0; i+1 < len(lines); i++ {
		names, values := strings.Fields(lines[i]), strings.Fields(lines[i+1])
		if len(names) == 0 || names[0] != "TcpExt:" || len(values) != len(names) {
			continue
		}
		for j, name := range names {
			if name == counter {
				var n uint64
				if _, err := fmt.Sscan(values[j], &n); err != nil {
					t.Fatal(err)
				}
				return n
			}
		}
	}
	t.Fatalf("no TcpExt %s in /proc/thread-self/net/netstat", counter)
	return 0
}
