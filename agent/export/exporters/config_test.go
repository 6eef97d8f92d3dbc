package exporters

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/zeta-net/zeta/agent/export"
	"github.com/zeta-net/zeta/agent/export/otlp"
	"github.com/zeta-net/zeta/agent/export/queue"
	"github.com/zeta-net/zeta/agent/export/syslog"
	"github.com/zeta-net/zeta/agent/flow"
)

func TestParse(t *testing.T) {
	s, err := Parse([]byte(`
otlp:
  - name: collector
    endpoint: otel:4317
    insecure: true
    headers: {authorization: "Bearer x"}
    resource_attributes: {k8s.cluster.name: prod}
    queue:
      retry: {initial_interval: 500ms, max_interval: 1m}
  - endpoint: backup:4318
    protocol: http
syslog:
  - address: siem:6514
    format: json
    facility: authpriv
    tls: {ca_file: /etc/zeta/ca.pem}
file:
  - path: /var/log/zeta/flows.jsonl
    max_backups: 0
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.OTLP) != 2 || len(s.Syslog) != 1 || len(s.File) != 1 || s.Len() != 4 {
		t.Fatalf("Set = %+v", s)
	}
	c := s.OTLP[0]
	wantQueue := queue.DefaultConfig()
	wantQueue.Retry.Initial, wantQueue.Retry.Max = 500*time.Millisecond, time.Minute
	if c.Name != "collector" || c.Endpoint != "otel:4317" || !c.Insecure || c.Protocol != otlp.GRPC ||
		c.Headers["authorization"] != "Bearer x" || c.ResourceAttributes["k8s.cluster.name"] != "prod" ||
		c.Queue != wantQueue || c.Timeout != otlp.DefaultConfig().Timeout {
		t.Errorf("otlp[0] = %+v", c)
	}
	if c := s.OTLP[1]; c.Name != "otlp-1" || c.Protocol != otlp.HTTP || c.URLPath != "/v1/logs" {
		t.Errorf("otlp[1] = %+v", c)
	}
	if c := s.Syslog[0]; c.Name != "syslog-0" || c.Transport != syslog.TLS || c.Format != syslog.FormatJSON ||
		c.Facility != "authpriv" || c.TLS.CAFile != "/etc/zeta/ca.pem" || c.AppName != "zeta-agent" {
		t.Errorf("syslog[0] = %+v", c)
	}
	if c := s.File[0]; c.Name != "file-0" || c.MaxBackups != 0 || c.MaxSize != 100<<20 {
		t.Errorf("file[0] = %+v", c)
	}
}

func TestParseRejects(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{"kafka: []", `line 1: unknown key "kafka"`},
		{"otlp:\n  - endpoint: x:1\n    endpont: y:2", `line 3: otlp[0]: unknown key "endpont"`},
		{"syslog:\n  - address: x:1\n    tls:\n      ca: /x", `line 4: syslog[0].tls: unknown key "ca"`},
		{"otlp:\n  - queue:\n      retry: {initial: 1s}", `line 3: otlp[0].queue.retry: unknown key "initial"`},
		{"otlp:\n  - queue: {size: big}", "otlp[0]"},
		{"otlp:\n  - queue: {retry: {max_interval: soon}}", "otlp[0]"},
		{"otlp: {endpoint: x:1}", "otlp: want a list"},
		{"- otlp", "want a mapping"},
		{"file:\n  - [a]", "file[0]: want a mapping"},
	} {
		if _, err := Parse([]byte(tc.doc)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want %q", tc.doc, err, tc.want)
		}
	}
	if s, err := Parse(nil); err != nil || s.Len() != 0 {
		t.Errorf("empty document: %+v, %v", s, err)
	}
}

func TestFlagsAndFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "exporters.yaml")
	if err := os.WriteFile(path, []byte("file:\n  - name: archive\n    path: "+filepath.Join(dir, "a.jsonl")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := DefaultConfig()
	fs := pflag.NewFlagSet("run", pflag.ContinueOnError)
	c.Flags(fs)
	err := fs.Parse([]string{
		"--export-config", path,
		"--export-otlp-endpoint", "otel:4317", "--export-otlp-protocol", "http", "--export-otlp-insecure",
		"--export-syslog-address", "siem:514", "--export-syslog-transport", "udp", "--export-syslog-format", "json",
		"--export-syslog-queue-size", "50", "--export-syslog-retry-max", "5s",
		"--export-file-path", filepath.Join(dir, "b.jsonl"), "--export-file-max-size", "1000",
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	if len(s.OTLP) != 1 || s.OTLP[0].Name != "otlp" || s.OTLP[0].Protocol != otlp.HTTP || !s.OTLP[0].Insecure {
		t.Errorf("otlp = %+v", s.OTLP)
	}
	if len(s.Syslog) != 1 || s.Syslog[0].Transport != syslog.UDP || s.Syslog[0].Queue.Size != 50 || s.Syslog[0].Queue.Retry.Max != 5*time.Second {
		t.Errorf("syslog = %+v", s.Syslog)
	}
	if len(s.File) != 2 || s.File[0].Name != "archive" || s.File[1].Name != "file" || s.File[1].MaxSize != 1000 {
		t.Errorf("file = %+v", s.File)
	}

	exps, err := New(s, export.Origin{Node: "node-a", Version: "test"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range exps {
		names = append(names, e.Name())
		if _, ok := e.(export.StatsReporter); !ok {
			t.Errorf("%s reports no stats", e.Name())
		}
		if _, ok := e.(flow.Exporter); !ok {
			t.Errorf("%s is no flow.Exporter", e.Name())
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		if err := e.Close(ctx); err != nil {
			t.Errorf("close %s: %v", e.Name(), err)
		}
		cancel()
	}
	if got := strings.Join(names, ","); got != "otlp,syslog,archive,file" {
		t.Errorf("exporters %s", got)
	}
}

func TestResolveRejects(t *testing.T) {
	c := DefaultConfig()
	c.File.Path = "/tmp/x"
	c.ConfigFile = filepath.Join(t.TempDir(), "e.yaml")
	if err := os.WriteFile(c.ConfigFile, []byte("file: [{name: file, path: /tmp/y}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Resolve(); err == nil || !strings.Contains(err.Error(), "another exporter has this name") {
		t.Errorf("duplicate names: %v", err)
	}
	c = DefaultConfig()
	c.Syslog.Address = "siem"
	if _, err := c.Resolve(); err == nil || !strings.Contains(err.Error(), `syslog exporter "syslog"`) {
		t.Errorf("bad address: %v", err)
	}
	c = DefaultConfig()
	c.ConfigFile = "/nonexistent/exporters.yaml"
	if _, err := c.Resolve(); err == nil {
		t.Error("missing file accepted")
	}
}

// TestNoSecretFlags: credentials come from files (TLS keys) or the
// configuration file (headers), never from flags, which show in ps.
func TestNoSecretFlags(t *testing.T) {
	c := DefaultConfig()
	fs := pflag.NewFlagSet("run", pflag.ContinueOnError)
	c.Flags(fs)
	fs.VisitAll(func(f *pflag.Flag) {
		for _, bad := range []string{"header", "token", "password", "secret"} {
			if strings.Contains(f.Name, bad) {
				t.Errorf("flag --%s may carry a secret", f.Name)
			}
		}
		if strings.Contains(f.Name, "-key") || strings.Contains(f.Name, "-cert") || strings.Contains(f.Name, "-ca") {
			if !strings.HasSuffix(f.Name, "-file") {
				t.Errorf("flag --%s takes key material, not a file", f.Name)
			}
		}
	})
}
