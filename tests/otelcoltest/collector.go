package otelcoltest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/zeta-net/zeta/tests/pkitest"
	"github.com/zeta-net/zeta/tests/proctest"
)

// Receivers, the names Endpoint takes.
const (
	GRPC    = "grpc"
	HTTP    = "http"
	GRPCTLS = "grpc-tls"
	HTTPTLS = "http-tls"
)

// Options place the collector.
type Options struct {
	// Netns is the path of the network namespace to run in; empty: the
	// test's own.
	Netns string
	// Host is the address the receivers listen on (default 127.0.0.1).
	// The TLS receivers' certificate names localhost, 127.0.0.1 and ::1:
	// clients of another address verify the name localhost.
	Host string
}

// Collector is a running collector.
type Collector struct {
	// PKI holds the TLS receivers' CA and certificates and a client
	// certificate they accept.
	PKI   pkitest.Files
	host  string
	ports map[string]int
	out   string
	runs  int // stopped runs; their output is out.<run>
	proc  *proctest.Process
}

// bin builds the collector once per version into the cache and returns
// its path.
var bin = sync.OnceValues(func() (string, error) {
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "components", "otelcol.sh")
	cmd := exec.Command("bash", script)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s: %w\n%s", script, err, stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
})

// Start configures and starts a collector for t; it stops when t ends.
func Start(t testing.TB, o Options) *Collector {
	t.Helper()
	path, err := bin()
	if err != nil {
		t.Fatalf("this test needs an OpenTelemetry Collector and could not build one "+
			"(needs go and the Go module proxy on the first run): %v", err)
	}
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	dir := t.TempDir()
	c := &Collector{
		PKI: pkitest.Mint(t, dir), host: o.Host, out: filepath.Join(dir, "logs.jsonl"),
		ports: map[string]int{},
	}
	for _, r := range []string{GRPC, HTTP, GRPCTLS, HTTPTLS} {
		c.ports[r] = proctest.FreePort(t, "tcp")
	}
	tls := fmt.Sprintf("tls: {cert_file: %q, key_file: %q, client_ca_file: %q}", c.PKI.ServerCert, c.PKI.ServerKey, c.PKI.CA)
	conf := fmt.Sprintf(`receivers:
  otlp:
    protocols:
      grpc: {endpoint: %q}
      http: {endpoint: %q}
  otlp/tls:
    protocols:
      grpc: {endpoint: %q, %s}
      http: {endpoint: %q, %s}
exporters:
  file:
    path: %q
    flush_interval: 50ms
service:
  telemetry:
    metrics: {level: none}
    logs: {level: warn}
  pipelines:
    logs:
      receivers: [otlp, otlp/tls]
      exporters: [file]
`, c.Endpoint(GRPC), c.Endpoint(HTTP), c.Endpoint(GRPCTLS), tls, c.Endpoint(HTTPTLS), tls, c.out)
	confFile := filepath.Join(dir, "otelcol.yaml")
	if err := os.WriteFile(confFile, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	c.proc = &proctest.Process{
		Name: "collector", Netns: o.Netns, Args: []string{path, "--config=file:" + confFile},
		Ports: []int{c.ports[GRPC], c.ports[HTTP], c.ports[GRPCTLS], c.ports[HTTPTLS]},
	}
	c.proc.Start(t)
	t.Cleanup(func() { c.Stop(t) })
	return c
}

// Endpoint is a receiver's host:port.
func (c *Collector) Endpoint(receiver string) string {
	return net.JoinHostPort(c.host, strconv.Itoa(c.ports[receiver]))
}

// Start starts a stopped collector again.
func (c *Collector) Start(t testing.TB) {
	t.Helper()
	c.proc.Start(t)
}

// Stop stops the collector and keeps what it wrote.
func (c *Collector) Stop(t testing.TB) {
	t.Helper()
	if !c.proc.Running() {
		return
	}
	c.proc.Stop(t)
	c.runs++
	if err := os.Rename(c.out, c.out+"."+strconv.Itoa(c.runs)); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Error(err)
	}
}
