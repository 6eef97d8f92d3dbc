package health

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"
)

// Status is what /readyz reports.
type Status struct {
	Ready bool `json:"ready"`
	// Applied is the source revision the maps enforce.
	Applied   string `json:"applied"`
	Endpoints int    `json:"endpoints"`
	Error     string `json:"error,omitempty"`
}

// Handler routes the endpoints; status is called on every /readyz.
func Handler(status func() Status, metrics http.Handler) http.Handler {
	mux := probes(status)
	mux.Handle("GET /metrics", metrics)
	return mux
}

// Probes routes /healthz and /readyz only: what the kubelet's liveness and
// readiness probes ask over TCP, with nothing else exposed there.
func Probes(status func() Status) http.Handler { return probes(status) }

func probes(status func() Status) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		s := status()
		w.Header().Set("Content-Type", "application/json")
		if !s.Ready {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(s)
	})
	return mux
}

// Serve listens on the unix socket at path (mode 0600: only root may ask)
// until ctx is done.
func Serve(ctx context.Context, path string, h http.Handler) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("health socket: %w", err)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "unix", path)
	if err != nil {
		return fmt.Errorf("health socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return fmt.Errorf("health socket: %w", errors.Join(err, ln.Close()))
	}
	return serve(ctx, ln, h)
}

// ServeTCP serves h on the TCP address addr until ctx is done: the
// Prometheus endpoint for scrapers, or the probes for the kubelet, neither
// of which can reach the unix socket.
func ServeTCP(ctx context.Context, addr string, h http.Handler) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	return serve(ctx, ln, h)
}

func serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	stop := context.AfterFunc(ctx, func() {
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	})
	defer stop()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	}
	return nil
}
