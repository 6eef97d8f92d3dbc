package apiserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/zeta-net/zeta/agent/flow"
	"github.com/zeta-net/zeta/agent/inspect"
	pb "github.com/zeta-net/zeta/api/zeta/observer/v1"
)

// stopGrace is how long Serve waits for calls to finish once its context
// is done, before it closes every connection.
const stopGrace = 2 * time.Second

// Server implements zeta.observer.v1.Observer for one agent.
type Server struct {
	pb.UnimplementedObserverServer

	// Node locates the pinned maps and the state directory.
	Node inspect.Node
	// Pipeline produces the flow records and counts them.
	Pipeline *flow.Pipeline
	// Live reports what only the running agent knows.
	Live func() Live
	Log  *slog.Logger

	// done ends open streams when Serve's context ends.
	done context.Context
}

// Serve serves the unix socket at socket and, if cfg.Address is set, TCP
// with mutual TLS, until ctx is done.
func (s *Server) Serve(ctx context.Context, socket string, cfg Config) error {
	s.done = ctx
	listeners := map[*grpc.Server]net.Listener{}
	unix, err := listenUnix(ctx, socket)
	if err != nil {
		return err
	}
	listeners[s.newGRPC()] = unix
	if cfg.Address != "" {
		tlsCfg, err := serverTLS(cfg)
		if err != nil {
			return errors.Join(err, unix.Close())
		}
		var lc net.ListenConfig
		tcp, err := lc.Listen(ctx, "tcp", cfg.Address)
		if err != nil {
			return errors.Join(fmt.Errorf("api listener: %w", err), unix.Close())
		}
		listeners[s.newGRPC(grpc.Creds(credentials.NewTLS(tlsCfg)))] = tcp
		s.Log.Info("serving the API over TCP with mutual TLS", "address", tcp.Addr().String(), "allowed", cfg.AllowedSPIFFEIDs)
	}
	return serveAll(ctx, listeners)
}

func (s *Server) newGRPC(opts ...grpc.ServerOption) *grpc.Server {
	srv := grpc.NewServer(opts...)
	pb.RegisterObserverServer(srv, s)
	return srv
}

// serveAll serves every listener until ctx is done or one fails.
func serveAll(ctx context.Context, listeners map[*grpc.Server]net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, len(listeners))
	var wg sync.WaitGroup
	for srv, ln := range listeners {
		wg.Go(func() {
			if err := srv.Serve(ln); err != nil {
				errc <- fmt.Errorf("api server on %s: %w", ln.Addr(), err)
				cancel()
			}
		})
	}
	<-ctx.Done()
	for srv := range listeners {
		gracefulStop(srv)
	}
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
		return nil
	}
}

// gracefulStop lets calls finish for a while, then closes everything.
func gracefulStop(srv *grpc.Server) {
	t := time.AfterFunc(stopGrace, srv.Stop)
	srv.GracefulStop()
	t.Stop()
}

// listenUnix listens on a fresh socket at path that only its owner may
// connect to.
func listenUnix(ctx context.Context, path string) (net.Listener, error) {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("api socket: %w", err)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "unix", path)
	if err != nil {
		return nil, fmt.Errorf("api socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return nil, fmt.Errorf("api socket: %w", errors.Join(err, ln.Close()))
	}
	return ln, nil
}
