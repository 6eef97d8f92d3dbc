package lab

import (
	"context"
	"errors"
	"fmt"
	"github.com/zeta-net/zeta/policy/reach"
	"net/netip"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/zeta-net/zeta/tests/lab/probe"
)

// Defaults of ProbeOptions and the bound on probes in flight.
const (
	DefaultProbeTimeout = time.Second
	maxProbes           = 128
)

// ProbeOptions tune Probe and Matrix.
type ProbeOptions struct {
	IPv6    bool          // probe the IPv6 addresses, else the IPv4 ones
	Timeout time.Duration // per probe; DefaultProbeTimeout if zero
}

// Probe reports whether pod from reaches pod to's server on port over
// proto (TCP: to's greeting arrives; UDP: a datagram is echoed). Being
// blocked is false, not an error.
func (c *Cluster) Probe(ctx context.Context, from, to string, proto corev1.Protocol, port int32, opts ProbeOptions) (bool, error) {
	src, ok := c.Pod(from)
	if !ok {
		return false, fmt.Errorf("probe from %s: no such pod in cluster %s", from, c.Name())
	}
	dst, ok := c.Pod(to)
	if !ok {
		return false, fmt.Errorf("probe to %s: no such pod in cluster %s", to, c.Name())
	}
	if port < 1 || port > 65535 {
		return false, fmt.Errorf("probe %s: invalid port %d", to, port)
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultProbeTimeout
	}
	addr := netip.AddrPortFrom(dst.Addr(opts.IPv6), uint16(port))
	return probe.Run(ctx, src.Netns, proto, addr, to, timeout)
}

// Matrix is the reachability between every ordered pair of pods.
type Matrix = reach.Matrix

// Matrix probes every ordered pair of pods, each pod to itself included,
// all at once.
func (c *Cluster) Matrix(ctx context.Context, proto corev1.Protocol, port int32, opts ProbeOptions) (*Matrix, error) {
	pods := c.Pods()
	m := &Matrix{Protocol: proto, Port: port, IPv6: opts.IPv6, Pods: make([]string, len(pods)), Allowed: make([][]bool, len(pods))}
	for i, p := range pods {
		m.Pods[i] = p.Key()
		m.Allowed[i] = make([]bool, len(pods))
	}
	errs := make([]error, len(pods)*len(pods))
	slots := make(chan struct{}, maxProbes)
	var wg sync.WaitGroup
	for i, from := range m.Pods {
		for j, to := range m.Pods {
			wg.Go(func() {
				slots <- struct{}{}
				defer func() { <-slots }()
				m.Allowed[i][j], errs[i*len(pods)+j] = c.Probe(ctx, from, to, proto, port, opts)
			})
		}
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return m, fmt.Errorf("matrix %s/%d: %w", proto, port, err)
	}
	return m, nil
}
