package kubetest

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Identities in the token file. The agent is named as the API server names
// a ServiceAccount's tokens, so RBAC bindings to that ServiceAccount (as in
// deploy/) apply to it.
const (
	AdminUser  = "zeta-test-admin"
	AgentUser  = "system:serviceaccount:" + AgentNamespace + ":" + AgentServiceAccount
	adminToken = "zeta-admin-token"
	agentToken = "zeta-agent-token"
)

// The agent's ServiceAccount, as AgentUser names it.
const (
	AgentNamespace      = "zeta-system"
	AgentServiceAccount = "zeta-agent"
)

// readyTimeout bounds the wait for a starting API server.
const readyTimeout = 90 * time.Second

// Server is a running control plane. Its fields are set by Start.
type Server struct {
	// Config, Client and Kubeconfig reach the API server as AdminUser, a
	// member of system:masters.
	Config     *rest.Config
	Client     kubernetes.Interface
	Kubeconfig string
	// AgentConfig and AgentKubeconfig reach it as AgentUser, which has no
	// permissions until a test binds a role to it.
	AgentConfig     *rest.Config
	AgentKubeconfig string

	dir, bin  string
	port      int
	etcdURL   string
	etcd, api *process
}

// Start starts etcd and kube-apiserver, installs the CRDs, and stops both
// when the test ends. It fails the test, saying what is missing, when the
// binaries cannot be built or the control plane does not come up.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := binaries()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{dir: t.TempDir(), bin: bin}
	t.Cleanup(s.stop)
	if err := s.start(); err != nil {
		t.Fatalf("start control plane: %v", err)
	}
	return s
}

func (s *Server) start() error {
	if err := writeFiles(s.dir); err != nil {
		return err
	}
	ports, err := freePorts(3)
	if err != nil {
		return err
	}
	s.port = ports[2]
	s.etcdURL = "http://127.0.0.1:" + strconv.Itoa(ports[0])
	peer := "http://127.0.0.1:" + strconv.Itoa(ports[1])
	s.etcd, err = startProcess(filepath.Join(s.dir, "etcd.log"), filepath.Join(s.bin, "etcd"),
		"--name=zeta", "--data-dir="+filepath.Join(s.dir, "etcd"),
		"--listen-client-urls="+s.etcdURL, "--advertise-client-urls="+s.etcdURL,
		"--listen-peer-urls="+peer, "--initial-advertise-peer-urls="+peer,
		"--initial-cluster=zeta="+peer, "--unsafe-no-fsync")
	if err != nil {
		return err
	}
	if err := s.startAPIServer(); err != nil {
		return err
	}
	if s.Config, s.Kubeconfig, err = s.clientConfig(AdminUser, adminToken); err != nil {
		return err
	}
	if s.AgentConfig, s.AgentKubeconfig, err = s.clientConfig(AgentUser, agentToken); err != nil {
		return err
	}
	if s.Client, err = kubernetes.NewForConfig(s.Config); err != nil {
		return fmt.Errorf("admin client: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	if err := s.waitReady(ctx); err != nil {
		return err
	}
	return installCRDs(ctx, s.Config)
}

func (s *Server) startAPIServer() error {
	d := s.dir
	var err error
	s.api, err = startProcess(filepath.Join(d, "kube-apiserver.log"), filepath.Join(s.bin, "kube-apiserver"),
		"--etcd-servers="+s.etcdURL,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
		"--secure-port="+strconv.Itoa(s.port),
		// A loopback advertise address needs no endpoint reconciler.
		"--endpoint-reconciler-type=none",
		"--cert-dir="+filepath.Join(d, "certs"),
		"--service-cluster-ip-range=10.96.0.0/24",
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file="+filepath.Join(d, "sa.pub"),
		"--service-account-signing-key-file="+filepath.Join(d, "sa.key"),
		"--token-auth-file="+filepath.Join(d, "tokens.csv"),
		"--authorization-mode=RBAC", "--allow-privileged=true")
	return err
}

// StopAPIServer stops the API server; etcd keeps running.
func (s *Server) StopAPIServer(t testing.TB) {
	t.Helper()
	if err := s.api.stop(); err != nil {
		t.Fatalf("stop kube-apiserver: %v", err)
	}
}

// StartAPIServer starts the API server stopped by StopAPIServer again, on
// the same port with the same certificates, and waits until it is ready.
func (s *Server) StartAPIServer(t testing.TB) {
	t.Helper()
	if err := s.startAPIServer(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	if err := s.waitReady(ctx); err != nil {
		t.Fatal(err)
	}
}

// Restart stops and starts the API server.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.StopAPIServer(t)
	s.StartAPIServer(t)
}

// waitReady polls /readyz until it answers ok.
func (s *Server) waitReady(ctx context.Context) error {
	rc, err := rest.RESTClientFor(withDefaults(s.Config))
	if err != nil {
		return fmt.Errorf("readiness client: %w", err)
	}
	var last error
	for {
		var code int
		last = rc.Get().AbsPath("/readyz").Do(ctx).StatusCode(&code).Error()
		if last == nil && code == http.StatusOK {
			return nil
		}
		if err := s.api.exited(); err != nil {
			return fmt.Errorf("kube-apiserver exited: %w\n%s", err, tail(s.api.log))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kube-apiserver not ready (%w)\n%s", last, tail(s.api.log))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// stop stops the API server, then etcd, and keeps their logs when the
// test failed.
func (s *Server) stop() {
	for _, p := range []*process{s.api, s.etcd} {
		if p != nil {
			_ = p.stop()
		}
	}
}

// tail returns the end of a log file.
func tail(path string) string {
	data, _ := os.ReadFile(path)
	if len(data) > 4000 {
		data = data[len(data)-4000:]
	}
	return string(data)
}
