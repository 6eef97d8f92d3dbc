package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/zeta-net/zeta/tests/lab/labns"
	"github.com/zeta-net/zeta/tests/lab/plan"
)

// idleTimeout closes TCP connections that stay quiet this long.
const idleTimeout = 10 * time.Second

// Pod is the servers of one pod.
type Pod struct {
	Key   string      `json:"key"` // "namespace/name", also the greeting
	Netns string      `json:"netns"`
	Ports []plan.Port `json:"ports"`
}

// Greeting is the line a TCP server of pod key writes first.
func Greeting(key string) string { return key + "\n" }

// socket is one open server socket.
type socket struct {
	pod, netns string
	port       int32
	network    string // tcp4, tcp6, udp4, udp6
}

// servers are the open sockets of a cluster's pods.
type servers struct {
	log  *slog.Logger
	mu   sync.Mutex
	open map[socket]io.Closer
}

// set makes the open sockets those of pods.
func (s *servers) set(pods []Pod) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	want := map[socket]bool{}
	for _, pod := range pods {
		for _, port := range pod.Ports {
			var networks []string
			switch port.Protocol {
			case corev1.ProtocolTCP:
				networks = []string{"tcp4", "tcp6"}
			case corev1.ProtocolUDP:
				networks = []string{"udp4", "udp6"}
			default:
				s.log.Info("skip port: protocol not served", "pod", pod.Key, "port", port.Port, "protocol", port.Protocol)
			}
			for _, network := range networks {
				want[socket{pod: pod.Key, netns: pod.Netns, port: port.Port, network: network}] = true
			}
		}
	}
	var errs []error
	closed, opened := 0, 0
	for sk, c := range s.open {
		if !want[sk] {
			errs = append(errs, c.Close())
			delete(s.open, sk)
			closed++
		}
	}
	for sk := range want {
		if _, ok := s.open[sk]; ok {
			continue
		}
		c, err := listen(sk)
		errs = append(errs, err)
		if err != nil {
			continue
		}
		s.open[sk] = c
		opened++
	}
	err := errors.Join(errs...)
	s.log.Info("servers set", "pods", len(pods), "sockets", len(s.open), "opened", opened, "closed", closed, "err", err)
	return err
}

// listen opens sk inside its pod's namespace and serves it.
func listen(sk socket) (io.Closer, error) {
	addr := net.JoinHostPort("", strconv.Itoa(int(sk.port)))
	var lc net.ListenConfig
	lc.SetMultipathTCP(false)
	var ln net.Listener
	var pc net.PacketConn
	err := labns.Do(sk.netns, func() (err error) {
		if sk.network == "tcp4" || sk.network == "tcp6" {
			ln, err = lc.Listen(context.Background(), sk.network, addr)
		} else {
			pc, err = lc.ListenPacket(context.Background(), sk.network, addr)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("serve %s %s/%d: %w", sk.pod, sk.network, sk.port, err)
	}
	if ln != nil {
		go accept(ln, Greeting(sk.pod))
		return ln, nil
	}
	go echo(pc)
	return pc, nil
}

func accept(ln net.Listener, greeting string) {
	for {
		c, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			time.Sleep(10 * time.Millisecond) // e.g. out of file descriptors
			continue
		}
		go answer(c, greeting)
	}
}

// answer greets, then echoes until EOF, an error or idleTimeout.
func answer(c net.Conn, greeting string) {
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(idleTimeout)); err != nil {
		return
	}
	if _, err := io.WriteString(c, greeting); err != nil {
		return
	}
	buf := make([]byte, 32<<10)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, err := c.Write(buf[:n]); err != nil {
				return
			}
			if err := c.SetDeadline(time.Now().Add(idleTimeout)); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func echo(pc net.PacketConn) {
	buf := make([]byte, 64<<10)
	for {
		n, from, err := pc.ReadFrom(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err == nil {
			_, _ = pc.WriteTo(buf[:n], from)
		}
	}
}
