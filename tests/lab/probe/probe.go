package probe

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/zeta-net/zeta/tests/lab/labns"
	"github.com/zeta-net/zeta/tests/lab/serve"
)

// resend is how often a UDP probe resends its datagram.
const resend = 200 * time.Millisecond

// Run probes dst over proto from inside the namespace netns, expecting the
// servers of pod want, for at most timeout.
func Run(ctx context.Context, netns string, proto corev1.Protocol, dst netip.AddrPort, want string, timeout time.Duration) (bool, error) {
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	network := strings.ToLower(string(proto))
	if proto != corev1.ProtocolTCP && proto != corev1.ProtocolUDP {
		return false, fmt.Errorf("probe %s: unsupported protocol %s", dst, proto)
	}
	var d net.Dialer
	d.SetMultipathTCP(false)
	var conn net.Conn
	var dialErr error
	if err := labns.Do(netns, func() error {
		conn, dialErr = d.DialContext(pctx, network, dst.String())
		return nil
	}); err != nil {
		return false, fmt.Errorf("probe %s: %w", dst, err)
	}
	if dialErr != nil {
		return false, ctx.Err() // blocked, unless the caller gave up
	}
	defer conn.Close()
	deadline, _ := pctx.Deadline()
	if proto == corev1.ProtocolTCP {
		return greeted(ctx, conn, deadline, dst, want)
	}
	return echoed(ctx, conn, deadline)
}

func greeted(ctx context.Context, conn net.Conn, deadline time.Time, dst netip.AddrPort, want string) (bool, error) {
	if err := conn.SetDeadline(deadline); err != nil {
		return false, fmt.Errorf("probe %s: %w", dst, err)
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return false, ctx.Err()
	}
	if line != serve.Greeting(want) {
		return false, fmt.Errorf("probe %s: answered by %q, want %q", dst, strings.TrimSpace(line), want)
	}
	return true, nil
}

func echoed(ctx context.Context, conn net.Conn, deadline time.Time) (bool, error) {
	payload := []byte("zeta-lab probe " + rand.Text())
	buf := make([]byte, 2*len(payload))
	for time.Now().Before(deadline) {
		if _, err := conn.Write(payload); err != nil {
			return false, ctx.Err() // e.g. ICMP unreachable from an earlier datagram
		}
		next := time.Now().Add(resend)
		if next.After(deadline) {
			next = deadline
		}
		if err := conn.SetReadDeadline(next); err != nil {
			return false, err
		}
		for {
			n, err := conn.Read(buf)
			if err == nil && string(buf[:n]) == string(payload) {
				return true, nil
			}
			var nerr net.Error
			if errors.As(err, &nerr) && nerr.Timeout() {
				break // resend
			}
			if err != nil {
				return false, ctx.Err() // refused or unreachable
			}
		}
	}
	return false, ctx.Err()
}
