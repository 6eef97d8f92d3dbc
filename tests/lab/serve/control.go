package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/zeta-net/zeta/tests/lab/unixhttp"
)

// Run serves the pods it is told about, and the control API on the unix
// socket sock, until ctx is done; then it closes every socket.
func Run(ctx context.Context, sock string, log *slog.Logger) error {
	s := &servers{log: log, open: map[socket]io.Closer{}}
	defer func() { _ = s.set(nil) }() // only closes

	if err := os.Remove(sock); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("serve control socket: %w", err)
	}
	ln, err := net.Listen("unix", sock)
	if err != nil {
		return fmt.Errorf("serve control socket: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("PUT /pods", func(w http.ResponseWriter, r *http.Request) {
		var pods []Pod
		if err := json.NewDecoder(r.Body).Decode(&pods); err != nil {
			http.Error(w, "decode pods: "+err.Error(), http.StatusBadRequest)
			return
		}
		if err := s.set(pods); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	stop := context.AfterFunc(ctx, func() { _ = srv.Close() })
	defer stop()
	log.Info("serving", "socket", sock)
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve control socket: %w", err)
	}
	return nil
}

// Ping succeeds once the control API at sock answers.
func Ping(ctx context.Context, sock string) error {
	return call(ctx, sock, http.MethodGet, "/healthz", nil)
}

// Configure tells the servers at sock the full set of pods to serve and
// returns once their sockets are open.
func Configure(ctx context.Context, sock string, pods []Pod) error {
	body, err := json.Marshal(pods)
	if err != nil {
		return fmt.Errorf("configure servers: %w", err)
	}
	if err := call(ctx, sock, http.MethodPut, "/pods", body); err != nil {
		return fmt.Errorf("configure servers: %w", err)
	}
	return nil
}

func call(ctx context.Context, sock, method, path string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, method, "http://serve"+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := unixhttp.Client(sock).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(msg)))
	}
	return nil
}
