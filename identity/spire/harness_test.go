package spire_test

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// spireBin builds (once per version, cached) or finds spire-server and
// spire-agent through tests/components/spire.sh.
func spireBin(t *testing.T) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("bash", filepath.Join("..", "..", "tests", "components", "spire.sh"))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("SPIRE (spire-server, spire-agent) is missing and tests/components/spire.sh could not build it: %v\n%s", err, stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

// spireEnv is a spire-server and a spire-agent (join token attestation,
// unix workload attestor) running from a private directory.
type spireEnv struct {
	t          *testing.T
	bin, dir   string
	td         string
	serverSock string
	adminSock  string
	agentSock  string
	agentID    string
	agentConf  string
	agent      *exec.Cmd
}

// startSPIRE starts a server, creates entries with the agent's ID as
// parent (so the agent has them at its first sync), then starts the agent.
// delegate is the SPIFFE ID the agent authorizes as a delegate.
func startSPIRE(t *testing.T, td, delegate string, entries func(e *spireEnv)) *spireEnv {
	t.Helper()
	// Unix socket paths are limited to 108 bytes: keep the directory short.
	dir, err := os.MkdirTemp("", "zspire")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	e := &spireEnv{
		t: t, bin: spireBin(t), dir: dir, td: td,
		serverSock: filepath.Join(dir, "server", "api.sock"),
		agentSock:  filepath.Join(dir, "workload", "api.sock"),
		// Not under the Workload API socket's directory, or the agent
		// refuses to start.
		adminSock: filepath.Join(dir, "admin", "admin.sock"),
	}
	port := freePort(t)
	for _, d := range []string{"server", "workload", "admin", "agent"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	serverConf := e.write("server.conf", fmt.Sprintf(`server {
  bind_address = "127.0.0.1"
  bind_port = "%d"
  socket_path = %q
  trust_domain = %q
  data_dir = %q
  log_level = "DEBUG"
  default_x509_svid_ttl = "1h"
}
plugins {
  DataStore "sql" {
    plugin_data {
      database_type = "sqlite3"
      connection_string = %q
    }
  }
  NodeAttestor "join_token" {
    plugin_data {}
  }
  KeyManager "memory" {
    plugin_data {}
  }
}
`, port, e.serverSock, td, filepath.Join(dir, "server"), filepath.Join(dir, "server", "datastore.sqlite3")))
	e.start("spire-server", "server.log", "run", "-config", serverConf)
	e.waitHealthy("spire-server", "-socketPath", e.serverSock)

	out := e.server("token", "generate", "-spiffeID", "spiffe://"+td+"/node")
	m := regexp.MustCompile(`Token: (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("spire-server token generate printed no token:\n%s", out)
	}
	e.agentID = "spiffe://" + td + "/spire/agent/join_token/" + m[1]
	e.createEntry(delegate, "-selector", "unix:uid:"+strconv.Itoa(os.Getuid()))
	entries(e)

	// The disk key manager keeps the agent's key, so a restarted agent
	// resumes with its SVID instead of reusing the spent join token.
	e.agentConf = e.write("agent.conf", fmt.Sprintf(`agent {
  data_dir = %q
  log_level = "DEBUG"
  server_address = "127.0.0.1"
  server_port = "%d"
  socket_path = %q
  admin_socket_path = %q
  trust_domain = %q
  insecure_bootstrap = true
  join_token = %q
  authorized_delegates = [%q]
  experimental {
    sync_interval = "1s"
  }
}
plugins {
  NodeAttestor "join_token" {
    plugin_data {}
  }
  KeyManager "disk" {
    plugin_data {
      directory = %q
    }
  }
  WorkloadAttestor "unix" {
    plugin_data {}
  }
}
`, filepath.Join(dir, "agent"), port, e.agentSock, e.adminSock, td, m[1], delegate, filepath.Join(dir, "agent")))
	e.StartAgent()
	return e
}

// createEntry registers spiffeID under the agent with extra entry flags.
func (e *spireEnv) createEntry(spiffeID string, flags ...string) {
	e.server(append([]string{"entry", "create", "-parentID", e.agentID, "-spiffeID", spiffeID}, flags...)...)
}

// StartAgent starts the spire-agent and waits until it serves.
func (e *spireEnv) StartAgent() {
	e.agent = e.start("spire-agent", "agent.log", "run", "-config", e.agentConf)
	e.waitHealthy("spire-agent", "-socketPath", e.agentSock)
}

// StopAgent kills the spire-agent.
func (e *spireEnv) StopAgent() {
	kill(e.agent)
	e.agent = nil
}

func (e *spireEnv) server(args ...string) string {
	e.t.Helper()
	args = append(args, "-socketPath", e.serverSock)
	out, err := exec.Command(filepath.Join(e.bin, "spire-server"), args...).CombinedOutput()
	if err != nil {
		e.t.Fatalf("spire-server %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (e *spireEnv) write(name, content string) string {
	path := filepath.Join(e.dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		e.t.Fatal(err)
	}
	return path
}

// start runs a SPIRE binary with its output in logName; it is killed at
// cleanup, and its log is shown if the test failed.
func (e *spireEnv) start(binary, logName string, args ...string) *exec.Cmd {
	e.t.Helper()
	logPath := filepath.Join(e.dir, logName)
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		e.t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(e.bin, binary), args...)
	cmd.Dir = e.dir
	cmd.Stdout, cmd.Stderr = log, log
	// Killed with the test binary even if cleanup never runs.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		log.Close()
		e.t.Fatalf("start %s: %v", binary, err)
	}
	log.Close()
	e.t.Cleanup(func() {
		kill(cmd)
		if e.t.Failed() {
			if data, err := os.ReadFile(logPath); err == nil {
				e.t.Logf("%s:\n%s", logName, tail(data, 60))
			}
		}
	})
	return cmd
}

func (e *spireEnv) waitHealthy(binary string, args ...string) {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := exec.Command(filepath.Join(e.bin, binary), append([]string{"healthcheck"}, args...)...).CombinedOutput()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s not healthy after 30s: %v\n%s", binary, err, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// kill stops cmd if it is still running; safe to call twice.
func kill(cmd *exec.Cmd) {
	if cmd == nil || cmd.Process == nil || cmd.ProcessState != nil {
		return
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func tail(data []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
