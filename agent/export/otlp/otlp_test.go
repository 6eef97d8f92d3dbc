package otlp

import (
	"context"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/zeta-net/zeta/agent/export"
	"github.com/zeta-net/zeta/agent/export/internal/flowtest"
	"github.com/zeta-net/zeta/agent/export/internal/leaktest"
	"github.com/zeta-net/zeta/agent/export/retry"
	"github.com/zeta-net/zeta/agent/flow"
	"github.com/zeta-net/zeta/tests/otelcoltest"
)

var origin = export.Origin{Node: "node-a", Host: "host-a", Version: "v1.2.3"}

var _ flow.Exporter = (*Exporter)(nil)

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func fastRetry() retry.Config {
	return retry.Config{Initial: 50 * time.Millisecond, Max: 250 * time.Millisecond, Multiplier: 2, Jitter: 0.2}
}

func newExporter(t *testing.T, c Config) *Exporter {
	t.Helper()
	e, err := New(c, origin, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close(ctxTimeout(t, 5*time.Second)) })
	return e
}

// collectorConfig points an exporter at one of the collector's receivers
// and tags its resource with the test case.
func collectorConfig(c *otelcoltest.Collector, receiver, name string) Config {
	cfg := DefaultConfig()
	cfg.Name = name
	cfg.Endpoint = c.Endpoint(receiver)
	cfg.Protocol, _, _ = strings.Cut(receiver, "-")
	if strings.HasSuffix(receiver, "-tls") {
		cfg.TLS = export.TLS{CAFile: c.PKI.CA, CertFile: c.PKI.ClientCert, KeyFile: c.PKI.ClientKey}
	} else {
		cfg.Insecure = true
	}
	cfg.ResourceAttributes = map[string]string{"test.case": name}
	cfg.Queue.Retry = fastRetry()
	return cfg
}

// wantRecords are the log records of flowtest.Records, written out: this
// is the documented mapping.
var wantRecords = []struct {
	severity        int
	text, body      string
	traceID, spanID string
	flags           int
	attrs           map[string]any
}{
	{
		severity: 13, text: "DENIED", body: "DENIED TCP 10.0.1.5:40000 -> 10.0.2.7:5432 (policy_deny)",
		attrs: map[string]any{
			"network.transport": "tcp", "network.type": "ipv4",
			"source.address": "10.0.1.5", "source.port": int64(40000),
			"destination.address": "10.0.2.7", "destination.port": int64(5432),
			"k8s.namespace.name": "db", "k8s.pod.name": "postgres-0",
			"zeta.verdict": "DENIED", "zeta.direction": "ingress", "zeta.protocol": "TCP",
			"zeta.ifindex": int64(12), "zeta.bytes": int64(60), "zeta.packets": int64(1),
			"zeta.drop_reason": "policy_deny", "zeta.policy": "db/deny-shop", "zeta.rule_id": int64(7), "zeta.tcp_flags": "SYN",
			"zeta.source.identity": int64(256), "zeta.source.namespace": "shop", "zeta.source.pod": "frontend-1",
			"zeta.source.spiffe_id":     "spiffe://cluster.local/ns/shop/sa/frontend",
			"zeta.source.labels":        map[string]any{"app": "frontend"},
			"zeta.destination.identity": int64(257), "zeta.destination.namespace": "db", "zeta.destination.pod": "postgres-0",
			"zeta.destination.spiffe_id": "spiffe://cluster.local/ns/db/sa/postgres",
			"zeta.destination.labels":    map[string]any{"app": "postgres", "tier": "data"},
		},
	},
	{
		severity: 9, text: "ALLOWED", body: "ALLOWED UDP [fd00::5]:53000 -> [2001:db8::53]:53",
		traceID: "4bf92f3577b34da6a3ce929d0e0e4736", spanID: "00f067aa0ba902b7", flags: 1,
		attrs: map[string]any{
			"network.transport": "udp", "network.type": "ipv6",
			"source.address": "fd00::5", "source.port": int64(53000),
			"destination.address": "2001:db8::53", "destination.port": int64(53),
			"k8s.namespace.name": "shop", "k8s.pod.name": "cart-2",
			"zeta.verdict": "ALLOWED", "zeta.direction": "egress", "zeta.protocol": "UDP",
			"zeta.ifindex": int64(13), "zeta.bytes": int64(80), "zeta.packets": int64(1),
			"zeta.source.identity": int64(258), "zeta.source.namespace": "shop", "zeta.source.pod": "cart-2",
			"zeta.destination.identity": int64(2),
		},
	},
	{
		severity: 10, text: "AUDIT", body: "AUDIT ICMP 10.0.1.9 -> 192.0.2.1 (policy_default_deny)",
		attrs: map[string]any{
			"network.type": "ipv4", "source.address": "10.0.1.9", "destination.address": "192.0.2.1",
			"zeta.verdict": "AUDIT", "zeta.direction": "egress", "zeta.protocol": "ICMP",
			"zeta.ifindex": int64(14), "zeta.bytes": int64(84), "zeta.packets": int64(1),
			"zeta.drop_reason": "policy_default_deny", "zeta.icmp.type": int64(8), "zeta.icmp.code": int64(0),
			"zeta.source.identity": int64(259), "zeta.destination.identity": int64(2),
		},
	},
}

// TestCollector sends the sample records to a real collector over each
// protocol, plaintext and mutual TLS, and checks every field the
// collector wrote.
func TestCollector(t *testing.T) {
	c := otelcoltest.Start(t, otelcoltest.Options{})
	records := flowtest.Records()
	for _, receiver := range []string{"grpc", "http", "grpc-tls", "http-tls"} {
		t.Run(receiver, func(t *testing.T) {
			e := newExporter(t, collectorConfig(c, receiver, "records-"+receiver))
			start := time.Now()
			if err := e.Export(context.Background(), records); err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Export took %v: it must not wait for the receiver", d)
			}
			if err := e.Flush(ctxTimeout(t, 20*time.Second)); err != nil {
				t.Fatalf("%v; Stats = %+v", err, e.Stats())
			}
			got := c.Wait(t, len(records), 10*time.Second, otelcoltest.ResourceHas("test.case", "records-"+receiver))
			if len(got) != len(records) {
				t.Fatalf("collector has %d records, want %d", len(got), len(records))
			}
			for i, g := range got {
				checkRecord(t, i, records[i], g, "records-"+receiver)
			}
			if s := e.Stats(); s != (export.Stats{Exported: uint64(len(records))}) {
				t.Errorf("Stats = %+v", s)
			}
		})
	}
}

func checkRecord(t *testing.T, i int, r *flow.Record, g otelcoltest.Received, name string) {
	t.Helper()
	wantRes := map[string]any{
		"service.name": "zeta-agent", "service.version": "v1.2.3", "k8s.node.name": "node-a", "host.name": "host-a",
		"test.case": name,
	}
	if !reflect.DeepEqual(g.Resource, wantRes) || g.SchemaURL != semconv.SchemaURL {
		t.Errorf("resource %v (%s), want %v (%s)", g.Resource, g.SchemaURL, wantRes, semconv.SchemaURL)
	}
	if g.Scope.Name != ScopeName || g.Scope.Version != "v1.2.3" {
		t.Errorf("scope %+v", g.Scope)
	}
	w, lr := wantRecords[i], g.Record
	if lr.TimeUnixNano != strconv.FormatInt(r.Time.UnixNano(), 10) || lr.ObservedTimeUnixNano == "" || lr.ObservedTimeUnixNano == "0" {
		t.Errorf("record %d: time %s observed %s, want %d", i, lr.TimeUnixNano, lr.ObservedTimeUnixNano, r.Time.UnixNano())
	}
	if lr.SeverityNumber != w.severity || lr.SeverityText != w.text || lr.EventName != EventName || lr.Body.Value() != w.body {
		t.Errorf("record %d: severity %d %q, event %q, body %v; want %d %q %q %q",
			i, lr.SeverityNumber, lr.SeverityText, lr.EventName, lr.Body.Value(), w.severity, w.text, EventName, w.body)
	}
	if lr.TraceID != w.traceID || lr.SpanID != w.spanID || lr.Flags != w.flags {
		t.Errorf("record %d: trace %q span %q flags %d, want %q %q %d", i, lr.TraceID, lr.SpanID, lr.Flags, w.traceID, w.spanID, w.flags)
	}
	if got := otelcoltest.Attrs(lr.Attributes); !reflect.DeepEqual(got, w.attrs) {
		t.Errorf("record %d attributes:\n got %v\nwant %v", i, got, w.attrs)
	}
}

// TestCollectorRestart stops the collector, exports while it is down,
// restarts it and counts every record delivered once.
func TestCollectorRestart(t *testing.T) {
	const before, during = 20, 300
	c := otelcoltest.Start(t, otelcoltest.Options{})
	for _, receiver := range []string{"grpc", "http"} {
		t.Run(receiver, func(t *testing.T) {
			t.Cleanup(leaktest.Check(t))
			name := "restart-" + receiver
			cfg := collectorConfig(c, receiver, name)
			cfg.Queue.MaxBatch = 50
			cfg.Timeout = 2 * time.Second
			e := newExporter(t, cfg)
			if err := e.Export(context.Background(), flowtest.Numbered(10000, before)); err != nil {
				t.Fatal(err)
			}
			if err := e.Flush(ctxTimeout(t, 20*time.Second)); err != nil {
				t.Fatal(err)
			}
			c.Stop(t)
			for i := 0; i < during; i += 30 {
				if err := e.Export(context.Background(), flowtest.Numbered(10000+before+i, 30)); err != nil {
					t.Fatal(err)
				}
			}
			deadline := time.Now().Add(10 * time.Second)
			for s := e.Stats(); s.Retried == 0; s = e.Stats() {
				if time.Now().After(deadline) {
					t.Fatalf("no retry while the collector is down: %+v", s)
				}
				time.Sleep(10 * time.Millisecond)
			}
			c.Start(t)
			if err := e.Flush(ctxTimeout(t, 30*time.Second)); err != nil {
				t.Fatalf("%v; Stats = %+v", err, e.Stats())
			}
			got := c.Wait(t, before+during, 10*time.Second, otelcoltest.ResourceHas("test.case", name))
			seen := map[int64]int{}
			for _, g := range got {
				seen[otelcoltest.Attrs(g.Record.Attributes)["source.port"].(int64)-10000]++
			}
			for i := range int64(before + during) {
				if seen[i] != 1 {
					t.Errorf("record %d delivered %d times", i, seen[i])
				}
			}
			if len(got) != before+during {
				t.Errorf("collector has %d records, want %d", len(got), before+during)
			}
			if s := e.Stats(); s.Exported != before+during || s.Dropped != 0 || s.QueueDepth != 0 {
				t.Errorf("Stats = %+v", s)
			}
		})
	}
}
