package agent

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zeta-net/zeta/agent/export"
	"github.com/zeta-net/zeta/agent/export/exporters"
	"github.com/zeta-net/zeta/agent/export/file"
	"github.com/zeta-net/zeta/agent/export/otlp"
	"github.com/zeta-net/zeta/agent/export/queue"
	"github.com/zeta-net/zeta/agent/export/retry"
	"github.com/zeta-net/zeta/agent/export/syslog"
	"github.com/zeta-net/zeta/bpf"
	"github.com/zeta-net/zeta/bpf/maps/eventmap"
	"github.com/zeta-net/zeta/policy"
	"github.com/zeta-net/zeta/tests/otelcoltest"
	"github.com/zeta-net/zeta/tests/proctest"
	"github.com/zeta-net/zeta/tests/rsyslogtest"
)

// TestExporterMetrics runs an agent with one exporter of each kind that
// works (a real collector, a real rsyslog, a file) and one that cannot
// (nothing listens; /dev/full), sends records through its pipeline, and
// scrapes its /metrics: every exporter has every series, and they count
// what happened to each: delivered by the live ones; retried, buffered
// and dropped by the dead network ones; failed and dropped by the file
// that cannot be written.
func TestExporterMetrics(t *testing.T) {
	a, cfg := newTestAgent(t, "node-m", func(c *Config) { c.MetricsAddress = freePort(t) })
	const records = 40
	const bufferSize = 10 // per dead network exporter: the rest is dropped
	coll := otelcoltest.Start(t, otelcoltest.Options{})
	rsys := rsyslogtest.Start(t, rsyslogtest.Options{})

	fast := retry.Config{Initial: 20 * time.Millisecond, Max: 100 * time.Millisecond, Multiplier: 2, Jitter: 0.2}
	small := queue.Config{Size: bufferSize, MaxBatch: 5, Retry: fast}
	dead := func() string { return "127.0.0.1:" + strconv.Itoa(proctest.FreePort(t, "tcp")) }
	otlpCfg := func(name, endpoint string, q queue.Config) otlp.Config {
		c := otlp.DefaultConfig()
		c.Name, c.Endpoint, c.Protocol, c.Insecure, c.Timeout, c.Queue = name, endpoint, "grpc", true, time.Second, q
		c.ResourceAttributes = map[string]string{"test.case": name}
		return c
	}
	syslogCfg := func(name, transport, addr string, q queue.Config) syslog.Config {
		c := syslog.DefaultConfig()
		c.Name, c.Transport, c.Address, c.Hostname, c.Queue = name, transport, addr, name, q
		c.DialTimeout, c.WriteTimeout = time.Second, time.Second
		c.TLS = export.TLS{CAFile: rsys.PKI.CA, CertFile: rsys.PKI.ClientCert, KeyFile: rsys.PKI.ClientKey}
		return c
	}
	live := queue.DefaultConfig()
	live.Retry = fast
	set := exporters.Set{
		OTLP:   []otlp.Config{otlpCfg("otlp-live", coll.Endpoint(otelcoltest.GRPC), live), otlpCfg("otlp-dead", dead(), small)},
		Syslog: []syslog.Config{syslogCfg("syslog-live", syslog.TLS, rsys.Addr(rsyslogtest.TLS), live), syslogCfg("syslog-dead", syslog.TCP, dead(), small)},
		File: []file.Config{
			{Name: "file-live", Path: filepath.Join(t.TempDir(), "flows.jsonl")},
			{Name: "file-dead", Path: "/dev/full"},
		},
	}
	if err := set.Validate(); err != nil {
		t.Fatal(err)
	}
	exps, err := exporters.New(set, export.Origin{Node: "node-m", Version: "v-test"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range exps {
		a.AddExporter(e)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, syncedSource{}) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()

	// Before any record: every exporter has every series, at zero.
	m := waitMetrics(t, cfg.MetricsAddress, func(m metrics) bool { return m.has(`zeta_flow_exporter_queued_records{exporter="file-dead"}`) })
	names := []string{"otlp-live", "otlp-dead", "syslog-live", "syslog-dead", "file-live", "file-dead"}
	for _, name := range names {
		for _, series := range exporterSeries(name) {
			if v, ok := m[series]; !ok || (v != 0 && !strings.Contains(series, "capacity")) {
				t.Errorf("before any record: %s = %v, %v; want 0", series, v, ok)
			}
		}
	}

	for i := range records {
		ev := eventmap.Event{Verdict: policy.Allow, Direction: policy.Egress, Protocol: bpf.ProtoTCP, Family: bpf.FamilyIPv4, Len: uint32(60 + i)}
		a.flows.Process(&ev, time.Now())
	}

	exported := func(name string) string { return `zeta_flow_exporter_exported_records_total{exporter="` + name + `"}` }
	dropped := func(name string) string { return `zeta_flow_exporter_dropped_records_total{exporter="` + name + `"}` }
	retries := func(name string) string { return `zeta_flow_exporter_retries_total{exporter="` + name + `"}` }
	queued := func(name string) string { return `zeta_flow_exporter_queued_records{exporter="` + name + `"}` }
	failures := func(name string) string { return `zeta_flow_export_failures_total{exporter="` + name + `"}` }
	delivered := func(name string) string {
		return `zeta_flow_consumer_delivered_records_total{consumer="` + name + `",kind="exporter"}`
	}
	m = waitMetrics(t, cfg.MetricsAddress, func(m metrics) bool {
		return m[exported("otlp-live")] == records && m[exported("syslog-live")] == records && m[exported("file-live")] == records &&
			m[retries("otlp-dead")] > 0 && m[retries("syslog-dead")] > 0 && m[dropped("file-dead")] == records &&
			m[dropped("otlp-dead")] >= records-bufferSize-5 && m[dropped("syslog-dead")] >= records-bufferSize-5
	})
	for _, name := range names {
		if m[delivered(name)] != records {
			t.Errorf("%s = %v, want %d: the hub hands every exporter every record", delivered(name), m[delivered(name)], records)
		}
	}
	for _, name := range []string{"otlp-live", "syslog-live", "file-live"} {
		if m[dropped(name)] != 0 || m[retries(name)] != 0 || m[queued(name)] != 0 || m[failures(name)] != 0 {
			t.Errorf("%s works but: dropped %v, retries %v, queued %v, failures %v", name, m[dropped(name)], m[retries(name)], m[queued(name)], m[failures(name)])
		}
	}
	for _, name := range []string{"otlp-dead", "syslog-dead"} {
		// Its buffer is full of what it keeps retrying; the rest went,
		// oldest first, and every record is in one count or the other.
		if m[exported(name)] != 0 || m[queued(name)] < bufferSize || m[queued(name)]+m[dropped(name)] != records || m[failures(name)] != 0 {
			t.Errorf("%s: exported %v, queued %v, dropped %v, failures %v; want 0, >= %d, %d in all, 0",
				name, m[exported(name)], m[queued(name)], m[dropped(name)], m[failures(name)], bufferSize, records)
		}
	}
	if m[exported("file-dead")] != 0 || m[failures("file-dead")] == 0 {
		t.Errorf("file-dead: exported %v, failures %v", m[exported("file-dead")], m[failures("file-dead")])
	}

	// What the live exporters counted arrived.
	coll.Wait(t, records, 10*time.Second, otelcoltest.ResourceHas("test.case", "otlp-live"))
	rsyslogtest.WaitLines(t, rsys.RawLog, " syslog-live ", records, 10*time.Second)
}

// exporterSeries are the series every exporter has.
func exporterSeries(name string) []string {
	e, c := `{exporter="`+name+`"}`, `{consumer="`+name+`",kind="exporter"}`
	return []string{
		"zeta_flow_exporter_exported_records_total" + e, "zeta_flow_exporter_retries_total" + e,
		"zeta_flow_exporter_dropped_records_total" + e, "zeta_flow_exporter_queued_records" + e,
		"zeta_flow_export_batches_total" + e, "zeta_flow_export_failures_total" + e,
		"zeta_flow_consumer_queued_records" + c, "zeta_flow_consumer_delivered_records_total" + c,
		"zeta_flow_consumer_dropped_records_total" + c,
	}
}

// metrics are scraped samples by series (name{labels}).
type metrics map[string]float64

func (m metrics) has(series string) bool { _, ok := m[series]; return ok }

// scrape reads the agent's /metrics.
func scrape(addr string) (metrics, error) {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	m := metrics{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			return nil, fmt.Errorf("metrics line %q: %w", line, err)
		}
		m[line[:i]] = v
	}
	return m, sc.Err()
}

// waitMetrics scrapes until ok holds, and fails the test after 20s.
func waitMetrics(t *testing.T, addr string, ok func(metrics) bool) metrics {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		m, err := scrape(addr)
		if err == nil && ok(m) {
			return m
		}
		if time.Now().After(deadline) {
			var exp []string
			for k, v := range m {
				if strings.Contains(k, "export") {
					exp = append(exp, fmt.Sprintf("%s %v", k, v))
				}
			}
			slices.Sort(exp)
			t.Fatalf("metrics never reached the expected state (%v):\n%s", err, strings.Join(exp, "\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
