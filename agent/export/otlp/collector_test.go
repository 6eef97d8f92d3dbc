package otlp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/zeta-net/zeta/agent/export/internal/proctest"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zeta-net/zeta/agent/export/internal/pkitest"
)

// otelcol is a real OpenTelemetry Collector (OTLP receiver, file
// exporter) on loopback: plaintext and mutual-TLS OTLP receivers for gRPC
// and HTTP, all writing what they receive to one JSON-lines file.
type otelcol struct {
	t        *testing.T
	bin, dir string
	conf     string
	out      string
	pki      pkitest.Files
	ports    map[string]int // "grpc", "http", "grpc-tls", "http-tls"
	runs     int            // stopped runs; their output is out.<run>
	cmd      *exec.Cmd
	exited   chan struct{}
	stderr   bytes.Buffer
}

// collectorBin builds the collector once per version into the cache
// (tests/components/otelcol.sh) and returns its path.
var collectorBin = sync.OnceValues(func() (string, error) {
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "..", "..", "tests", "components", "otelcol.sh")
	cmd := exec.Command("bash", script)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s: %w\n%s", script, err, stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
})

func startCollector(t *testing.T) *otelcol {
	t.Helper()
	bin, err := collectorBin()
	if err != nil {
		t.Fatalf("the OTLP exporter tests need an OpenTelemetry Collector and could not build one "+
			"(needs go and the Go module proxy on the first run): %v", err)
	}
	dir := t.TempDir()
	c := &otelcol{
		t: t, bin: bin, dir: dir, conf: filepath.Join(dir, "otelcol.yaml"), out: filepath.Join(dir, "logs.jsonl"),
		pki:   pkitest.Mint(t, dir),
		ports: map[string]int{"grpc": freePort(t), "http": freePort(t), "grpc-tls": freePort(t), "http-tls": freePort(t)},
	}
	tls := fmt.Sprintf("tls: {cert_file: %q, key_file: %q, client_ca_file: %q}", c.pki.ServerCert, c.pki.ServerKey, c.pki.CA)
	conf := fmt.Sprintf(`receivers:
  otlp:
    protocols:
      grpc: {endpoint: "127.0.0.1:%d"}
      http: {endpoint: "127.0.0.1:%d"}
  otlp/tls:
    protocols:
      grpc: {endpoint: "127.0.0.1:%d", %s}
      http: {endpoint: "127.0.0.1:%d", %s}
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
`, c.ports["grpc"], c.ports["http"], c.ports["grpc-tls"], tls, c.ports["http-tls"], tls, c.out)
	if err := os.WriteFile(c.conf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	c.start()
	t.Cleanup(c.stop)
	return c
}

func (c *otelcol) start() {
	c.t.Helper()
	c.stderr.Reset()
	c.cmd = exec.Command(c.bin, "--config=file:"+c.conf)
	c.cmd.Stdout, c.cmd.Stderr = &c.stderr, &c.stderr
	if err := c.cmd.Start(); err != nil {
		c.t.Fatalf("start collector: %v", err)
	}
	c.exited = make(chan struct{})
	go func() {
		_ = c.cmd.Wait()
		close(c.exited)
	}()
	proctest.WaitListening(c.t, "collector", c.exited, &c.stderr, slices.Collect(maps.Values(c.ports)), 30*time.Second)
}

func (c *otelcol) stop() {
	if c.cmd == nil {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(20 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
		c.t.Error("collector did not stop on SIGTERM")
	}
	c.cmd = nil
	// The file exporter truncates its file when it starts: keep each run's.
	c.runs++
	if err := os.Rename(c.out, c.out+"."+strconv.Itoa(c.runs)); err != nil && !errors.Is(err, os.ErrNotExist) {
		c.t.Error(err)
	}
}

func (c *otelcol) endpoint(receiver string) string {
	return "127.0.0.1:" + strconv.Itoa(c.ports[receiver])
}

// The file exporter writes OTLP/JSON: one LogsData object per line.
type logsData struct {
	ResourceLogs []struct {
		Resource  struct{ Attributes []keyValue }
		SchemaURL string `json:"schemaUrl"`
		ScopeLogs []struct {
			Scope      struct{ Name, Version string }
			LogRecords []fileRecord
		}
	}
}

type fileRecord struct {
	TimeUnixNano, ObservedTimeUnixNano string
	SeverityNumber                     int
	SeverityText                       string
	EventName                          string
	Body                               anyValue
	Attributes                         []keyValue
	TraceID                            string `json:"traceId"`
	SpanID                             string `json:"spanId"`
	Flags                              int
}

type keyValue struct {
	Key   string
	Value anyValue
}

type anyValue struct {
	StringValue *string
	IntValue    *string // OTLP/JSON writes 64-bit integers as strings
	BoolValue   *bool
	DoubleValue *float64
	KvlistValue *struct{ Values []keyValue }
}

func (v anyValue) value() any {
	switch {
	case v.StringValue != nil:
		return *v.StringValue
	case v.IntValue != nil:
		n, _ := strconv.ParseInt(*v.IntValue, 10, 64)
		return n
	case v.BoolValue != nil:
		return *v.BoolValue
	case v.DoubleValue != nil:
		return *v.DoubleValue
	case v.KvlistValue != nil:
		return attrMap(v.KvlistValue.Values)
	}
	return nil
}

func attrMap(kvs []keyValue) map[string]any {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kv.Value.value()
	}
	return m
}

// received is one log record with its resource and scope.
type received struct {
	resource  map[string]any
	schemaURL string
	scope     struct{ Name, Version string }
	record    fileRecord
}

// records reads what the collector wrote so far, over all its runs; a
// last line still being written is left for the next read.
func (c *otelcol) records(t *testing.T) []received {
	t.Helper()
	var all []byte
	for run := 1; run <= c.runs+1; run++ {
		path := c.out
		if run <= c.runs {
			path += "." + strconv.Itoa(run)
		}
		b, err := os.ReadFile(path)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
			all = append(all, b[:i+1]...)
		}
	}
	var out []received
	for line := range bytes.Lines(all) {
		var d logsData
		if err := json.Unmarshal(line, &d); err != nil {
			t.Fatalf("collector output: %v: %s", err, line)
		}
		for _, rl := range d.ResourceLogs {
			res := attrMap(rl.Resource.Attributes)
			for _, sl := range rl.ScopeLogs {
				for _, lr := range sl.LogRecords {
					out = append(out, received{resource: res, schemaURL: rl.SchemaURL, scope: sl.Scope, record: lr})
				}
			}
		}
	}
	return out
}

// wait returns the records whose resource has test.case=name once there
// are at least n of them.
func (c *otelcol) wait(t *testing.T, name string, n int, timeout time.Duration) []received {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var got []received
		for _, r := range c.records(t) {
			if r.resource["test.case"] == name {
				got = append(got, r)
			}
		}
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("collector has %d records of %s after %v, want %d", len(got), name, timeout, n)
		}
		time.Sleep(25 * time.Millisecond)
	}
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
