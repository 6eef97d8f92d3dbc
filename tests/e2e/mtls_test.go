package e2e

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"

	"github.com/zeta-net/zeta/agent/flow"
	"github.com/zeta-net/zeta/agent/tunnel"
	"github.com/zeta-net/zeta/tests/lab"
	"github.com/zeta-net/zeta/tests/lab/labns"
	"github.com/zeta-net/zeta/tests/lab/probe"
	"github.com/zeta-net/zeta/tests/lab/serve"
)

// mtlsCluster: a (service account a) and c (service account c) on node-1,
// b on node-2; b and c are labelled web.
const mtlsCluster = `apiVersion: v1
kind: Namespace
metadata: {name: x}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {pod: a}}
spec:
  nodeName: node-1
  serviceAccountName: a
  containers: [{name: s, image: s, ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: x, labels: {pod: b, web: "yes"}}
spec:
  nodeName: node-2
  containers: [{name: s, image: s, ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: c, namespace: x, labels: {pod: c, web: "yes"}}
spec:
  nodeName: node-1
  serviceAccountName: c
  containers: [{name: s, image: s, ports: [{containerPort: 80}]}]
`

// mtlsToB lets only a's SPIFFE ID reach b's port 80, over mutual TLS.
const mtlsToB = `apiVersion: zeta.io/v1alpha1
kind: ZeroTrustPolicy
metadata: {name: b-mtls, namespace: x}
spec:
  selector: {matchLabels: {pod: b}}
  ingress:
  - name: from-a
    authentication: MutualTLS
    from: [{principals: ["spiffe://cluster.local/ns/x/sa/a"]}]
    ports: [{protocol: TCP, port: 80}]
`

// TestMtlsAcrossNodes: a reaches b across nodes through the agents'
// tunnel, and the link of b's node carries only the tunnel's port, a TLS
// client hello naming b's SPIFFE ID, and never b's greeting in plaintext; c, whose SPIFFE ID the policy does not name,
// is refused by b's agent; a plaintext connection from node-1's own
// namespace, which no proxy handles, is dropped by b's datapath as a
// bypass. Both tunnel ends record the connection with both SPIFFE IDs.
func TestMtlsAcrossNodes(t *testing.T) {
	dir := manifests(t, map[string]string{"cluster.yaml": mtlsCluster, "mtls.yaml": mtlsToB})
	c := up(t, dir, lab.Config{AgentArgs: []string{"--transparent-proxy", "--ca-dir=" + t.TempDir()}})
	b, ok := c.Pod("x/b")
	if !ok {
		t.Fatal("pod x/b not in the lab")
	}
	var node1, node2 string
	var node1Addr netip.Addr
	for _, n := range c.Nodes() {
		switch n.Name {
		case "node-1":
			node1, node1Addr = n.Netns, n.IPv4.Addr()
		case "node-2":
			node2 = n.Netns
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	capture := startCapture(t, node2, "eth0")
	reached, err := c.Probe(ctx, "x/a", "x/b", corev1.ProtocolTCP, 80, lab.ProbeOptions{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !reached {
		t.Fatal("a does not reach b through the tunnel")
	}
	pkts := capture.stop()
	greeting := []byte(serve.Greeting("x/b"))
	// The client asks for b's identity in the TLS server name.
	sni := []byte(tunnel.ServerName(spiffeid.RequireFromString("spiffe://cluster.local/ns/x/sa/default")))
	var tunnelled int
	var named bool
	for _, p := range pkts {
		if p.srcPort != tunnel.Port && p.dstPort != tunnel.Port {
			t.Errorf("node-2's link carried TCP %d -> %d outside the tunnel", p.srcPort, p.dstPort)
		}
		if bytes.Contains(p.payload, greeting) {
			t.Errorf("node-2's link carried b's greeting in plaintext (TCP %d -> %d)", p.srcPort, p.dstPort)
		}
		if len(p.payload) > 0 {
			tunnelled++
		}
		named = named || (p.dstPort == tunnel.Port && bytes.Contains(p.payload, sni))
	}
	if !named {
		t.Error("no TLS client hello to port 15008 naming b's SPIFFE ID on node-2's link")
	}
	if tunnelled == 0 {
		t.Errorf("no tunnel payload on node-2's link among %d TCP packets", len(pkts))
	}

	reached, err = c.Probe(ctx, "x/c", "x/b", corev1.ProtocolTCP, 80, lab.ProbeOptions{Timeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if reached {
		t.Error("c reaches b although the policy names only a's SPIFFE ID")
	}

	// node-1's own address may reach b only through the tunnel, which it
	// does not take: b's datapath drops it as a bypass of the proxy.
	write(t, dir, "bypass.yaml", fmt.Sprintf(`apiVersion: zeta.io/v1alpha1
kind: ZeroTrustPolicy
metadata: {name: b-node-1, namespace: x}
spec:
  selector: {matchLabels: {pod: b}}
  ingress:
  - name: from-node-1
    authentication: MutualTLS
    from: [{cidr: %q}]
    ports: [{protocol: TCP, port: 80}]
`, netip.PrefixFrom(node1Addr, 32)))
	if err := c.Apply(ctx, dir); err != nil {
		t.Fatal(err)
	}
	bypass, err := probe.Run(ctx, node1, corev1.ProtocolTCP, netip.AddrPortFrom(b.IPv4, 80), "x/b", 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if bypass {
		t.Error("a plaintext connection from node-1's namespace reaches b's protected port")
	}

	want := map[string]func(r flow.Record) bool{
		"a -> b allowed at b's agent with both SPIFFE IDs": func(r flow.Record) bool {
			return r.Type == flow.TypeTunnel && r.Direction == "ingress" && r.Verdict == "ALLOWED" &&
				r.Source.SPIFFEID == "spiffe://cluster.local/ns/x/sa/a" && r.Source.Pod == "a" && r.Destination.SPIFFEID == "spiffe://cluster.local/ns/x/sa/default" &&
				r.Policy == "ZeroTrustPolicy x/b-mtls ingress[0] from-a"
		},
		"a -> b tunnelled at a's agent": func(r flow.Record) bool {
			return r.Type == flow.TypeTunnel && r.Direction == "egress" && r.Verdict == "ALLOWED" && r.Source.Pod == "a" && r.Destination.Pod == "b"
		},
		"c -> b refused by policy at b's agent": func(r flow.Record) bool {
			return r.Type == flow.TypeTunnel && r.Direction == "ingress" && r.Verdict == "DENIED" &&
				r.DropReason == tunnel.ReasonPolicy && r.Source.SPIFFEID == "spiffe://cluster.local/ns/x/sa/c"
		},
		"node-1 -> b dropped as a bypass": func(r flow.Record) bool {
			return r.Destination.Pod == "b" && r.Verdict == "DENIED" && r.DropReason == "proxy_bypass"
		},
	}
	for deadline := time.Now().Add(10 * time.Second); len(want) > 0 && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		records, err := c.Flows(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for name, match := range want {
			if slices.ContainsFunc(records, match) {
				delete(want, name)
			}
		}
	}
	for name := range want {
		t.Errorf("no flow record: %s", name)
	}
	if t.Failed() {
		records, _ := c.Flows(ctx)
		for _, r := range records {
			t.Logf("flow: %s %s %s %s/%s(%s) -> %s/%s:%d(%s) %s %s", r.Type, r.Direction, r.Verdict, r.Source.Namespace, r.Source.Pod,
				r.Source.SPIFFEID, r.Destination.Namespace, r.Destination.Pod, r.Destination.Port, r.Destination.SPIFFEID, r.DropReason, r.Policy)
		}
	}
}

// captured is one TCP segment seen on a link.
type captured struct {
	srcPort, dstPort uint16
	payload          []byte
}

// capture reads the TCP segments of one link with an AF_PACKET socket.
type capture struct {
	fd   int
	wg   sync.WaitGroup
	mu   sync.Mutex
	pkts []captured
}

// startCapture opens a packet socket on link in netns and records its
// TCP segments until stop.
func startCapture(t *testing.T, netns, link string) *capture {
	t.Helper()
	c := &capture{fd: -1}
	err := labns.Do(netns, func() error {
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, int(htons(unix.ETH_P_ALL)))
		if err != nil {
			return err
		}
		c.fd = fd
		ifi, err := net.InterfaceByName(link)
		if err != nil {
			return err
		}
		return unix.Bind(c.fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index})
	})
	if err != nil {
		if c.fd >= 0 {
			unix.Close(c.fd)
		}
		t.Fatalf("capture on %s in %s: %v", link, netns, err)
	}
	tv := unix.Timeval{Usec: 100000}
	if err := unix.SetsockoptTimeval(c.fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		select {
		case <-done:
		default:
			c.stop()
		}
	})
	fd := c.fd
	c.wg.Go(func() {
		defer close(done)
		buf := make([]byte, 65536)
		for {
			n, _, err := unix.Recvfrom(fd, buf, 0)
			if err == unix.EAGAIN || err == unix.EINTR {
				if c.stopped() {
					return
				}
				continue
			}
			if err != nil {
				return
			}
			if p, ok := parseTCP(buf[:n]); ok {
				c.mu.Lock()
				c.pkts = append(c.pkts, p)
				c.mu.Unlock()
			}
		}
	})
	return c
}

func (c *capture) stopped() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fd < 0
}

// stop ends the capture and returns what it saw.
func (c *capture) stop() []captured {
	c.mu.Lock()
	fd := c.fd
	c.fd = -1
	c.mu.Unlock()
	c.wg.Wait()
	if fd >= 0 {
		unix.Close(fd)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pkts
}

// parseTCP reads an Ethernet frame's TCP segment over IPv4 or IPv6
// (without extension headers).
func parseTCP(f []byte) (captured, bool) {
	if len(f) < 14 {
		return captured{}, false
	}
	var l4 []byte
	switch binary.BigEndian.Uint16(f[12:14]) {
	case unix.ETH_P_IP:
		ip := f[14:]
		if len(ip) < 20 || ip[9] != unix.IPPROTO_TCP {
			return captured{}, false
		}
		total := int(binary.BigEndian.Uint16(ip[2:4]))
		hl := int(ip[0]&0xf) * 4
		if total > len(ip) || hl > total {
			return captured{}, false
		}
		l4 = ip[hl:total]
	case unix.ETH_P_IPV6:
		ip := f[14:]
		if len(ip) < 40 || ip[6] != unix.IPPROTO_TCP {
			return captured{}, false
		}
		end := 40 + int(binary.BigEndian.Uint16(ip[4:6]))
		if end > len(ip) {
			return captured{}, false
		}
		l4 = ip[40:end]
	default:
		return captured{}, false
	}
	if len(l4) < 20 || int(l4[12]>>4)*4 > len(l4) {
		return captured{}, false
	}
	return captured{
		srcPort: binary.BigEndian.Uint16(l4[0:2]),
		dstPort: binary.BigEndian.Uint16(l4[2:4]),
		payload: bytes.Clone(l4[int(l4[12]>>4)*4:]),
	}, true
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }
