package inspect

import (
	"errors"
	"github.com/zeta-net/zeta/agent/statedir"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zeta-net/zeta/agent/health"
)

func TestAgentStatus(t *testing.T) {
	n := Node{StateDir: t.TempDir()}
	sock := filepath.Join(n.StateDir, statedir.HealthSocket)

	st, err := n.agentStatus(t.Context())
	if err != nil || st.Running || !strings.Contains(st.Problem, "no socket") {
		t.Errorf("without a socket: %+v, %v", st, err)
	}

	// A socket left behind by an agent that died refuses connections.
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	st, err = n.agentStatus(t.Context())
	if err != nil || st.Running || !strings.Contains(st.Problem, "refuses") {
		t.Errorf("with a stale socket: %+v, %v", st, err)
	}

	if err := os.Remove(sock); err != nil {
		t.Fatal(err)
	}
	ln, err = net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: health.Handler(func() health.Status {
		return health.Status{Applied: "rev-7", Endpoints: 2, Error: "waiting for the interfaces of shop/cart"}
	}, http.NotFoundHandler())}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	defer func() {
		srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Error(err)
		}
	}()
	st, err = n.agentStatus(t.Context())
	if err != nil || !st.Running || st.Health == nil || st.Health.Ready || st.Health.Applied != "rev-7" || st.Health.Endpoints != 2 {
		t.Errorf("with an agent that is not ready: %+v, %v", st, err)
	}
}

func TestAgentStatusUnreachable(t *testing.T) {
	// A state directory that is a file: the socket path cannot exist.
	dir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(dir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := Node{StateDir: dir}.agentStatus(t.Context())
	if err == nil || st.Running || st.Problem == "" {
		t.Errorf("with an unusable state dir: %+v, %v", st, err)
	}
}
