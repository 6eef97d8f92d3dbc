package syslog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zeta-net/zeta/agent/export"
	"github.com/zeta-net/zeta/agent/export/internal/flowtest"
	"github.com/zeta-net/zeta/agent/export/internal/leaktest"
	"github.com/zeta-net/zeta/agent/export/ocsf"
	"github.com/zeta-net/zeta/agent/export/retry"
	"github.com/zeta-net/zeta/agent/flow"
	"github.com/zeta-net/zeta/tests/rsyslogtest"
)

var origin = export.Origin{Node: "node-a", Host: "host-a", Version: "v1.2.3"}

// testConfig retries quickly so that tests of outages stay short.
func testConfig(r *rsyslogtest.Rsyslog, transport, format string) Config {
	c := DefaultConfig()
	c.Address, c.Transport, c.Format = r.Addr(transport), transport, format
	c.TLS.CAFile, c.TLS.CertFile, c.TLS.KeyFile = r.PKI.CA, r.PKI.ClientCert, r.PKI.ClientKey
	c.Queue.Retry = retry.Config{Initial: 50 * time.Millisecond, Max: 250 * time.Millisecond, Multiplier: 2, Jitter: 0.2}
	return c
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

func export1(t *testing.T, e *Exporter, batch []*flow.Record) {
	t.Helper()
	start := time.Now()
	if err := e.Export(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Export took %v: it must not wait for the receiver", d)
	}
}

func TestMessage(t *testing.T) {
	c := DefaultConfig()
	c.Address, c.Hostname, c.AppName = "127.0.0.1:6514", "node a\x01", "zeta agent"
	e, err := New(c, origin, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(context.Background())
	msg, err := e.appendMessage(nil, flowtest.Records()[0])
	if err != nil {
		t.Fatal(err)
	}
	// local0 (16) * 8 + warning (4) = 132; header fields lose spaces and controls.
	prefix := fmt.Sprintf("<132>1 2026-03-04T05:06:07.123456Z node_a_ zeta_agent %d flow - CEF:0|Zeta|", os.Getpid())
	if !strings.HasPrefix(string(msg), prefix) {
		t.Errorf("message %q\nwant prefix %q", msg, prefix)
	}
	if got := string(frame(TLS, []byte("<134>1 - - - - - - x"))); got != "20 <134>1 - - - - - - x" {
		t.Errorf("octet-counted frame = %q", got)
	}
	if got := string(frame(UDP, []byte("x"))); got != "x" {
		t.Errorf("datagram = %q", got)
	}
	if headerField(strings.Repeat("h", 300), 255) != strings.Repeat("h", 255) || headerField("", 48) != "-" {
		t.Error("header fields are not cut to size or nil")
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"no address", func(c *Config) { c.Address = "" }, "syslog address"},
		{"bad port", func(c *Config) { c.Address = "h:0" }, "bad port"},
		{"transport", func(c *Config) { c.Transport = "relp" }, "transport"},
		{"format", func(c *Config) { c.Format = "leef" }, "format"},
		{"facility", func(c *Config) { c.Facility = "local9" }, "facility"},
		{"half a key pair", func(c *Config) { c.TLS.CertFile = "/x" }, "cert_file and key_file"},
		{"missing ca", func(c *Config) { c.TLS.CAFile = "/nonexistent/ca.pem" }, "tls file"},
		{"queue", func(c *Config) { c.Queue.Size = 0 }, "queue size"},
	} {
		c := DefaultConfig()
		c.Address = "siem.example:6514"
		tc.mod(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Validate = %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestRsyslog sends the sample records over each transport in each format
// and checks what a real rsyslog received, byte for byte, and what it
// parsed out of the RFC 5424 header.
func TestRsyslog(t *testing.T) {
	r := rsyslogtest.Start(t, rsyslogtest.Options{})
	records := flowtest.Records()
	for _, tc := range []struct{ transport, format string }{
		{TLS, FormatCEF}, {TLS, FormatJSON}, {TCP, FormatCEF}, {UDP, FormatJSON},
	} {
		t.Run(tc.transport+"-"+tc.format, func(t *testing.T) {
			c := testConfig(r, tc.transport, tc.format)
			c.Hostname = "node-" + tc.transport + "-" + tc.format // the marker of this subtest's lines
			e := newExporter(t, c)
			if tc.transport == UDP {
				waitUDP(t, r)
			}
			export1(t, e, records)
			raw := rsyslogtest.WaitLines(t, r.RawLog, " "+c.Hostname+" ", len(records), 10*time.Second)
			parsed := rsyslogtest.WaitLines(t, r.ParsedLog, "\t"+c.Hostname+"\t", len(records), 10*time.Second)
			if len(raw) != len(records) || len(parsed) != len(records) {
				t.Fatalf("received %d raw and %d parsed messages, want %d", len(raw), len(parsed), len(records))
			}
			for i, rec := range records {
				checkMessage(t, tc.format, c.Hostname, rec, raw[i], parsed[i])
			}
			if err := e.Flush(ctxTimeout(t, 5*time.Second)); err != nil {
				t.Fatal(err)
			}
			if s := e.Stats(); s.Exported != uint64(len(records)) || s.Dropped != 0 || s.QueueDepth != 0 {
				t.Errorf("Stats = %+v", s)
			}
		})
	}
}

// waitUDP sends probes from an exporter of its own until rsyslog's UDP
// input has one: UDP gives no other sign that the receiver is ready.
func waitUDP(t *testing.T, r *rsyslogtest.Rsyslog) {
	t.Helper()
	c := testConfig(r, UDP, FormatCEF)
	c.Hostname = "probe-udp"
	e := newExporter(t, c)
	deadline := time.Now().Add(10 * time.Second)
	for {
		export1(t, e, flowtest.Numbered(1, 1))
		for _, l := range rsyslogtest.Lines(t, r.RawLog) {
			if strings.Contains(l, " probe-udp ") {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("rsyslog's UDP input received no probe")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func checkMessage(t *testing.T, format, hostname string, rec *flow.Record, raw, parsed string) {
	t.Helper()
	sev := map[string]int{flow.VerdictDenied: 4, flow.VerdictAudit: 5}[rec.Verdict]
	if sev == 0 {
		sev = 6
	}
	ts := rec.Time.UTC().Format("2006-01-02T15:04:05.000000Z")
	head := fmt.Sprintf("<%d>1 %s %s zeta-agent %d flow - ", 16*8+sev, ts, hostname, os.Getpid())
	payload, ok := strings.CutPrefix(raw, head)
	if !ok {
		t.Errorf("raw message %q\ndoes not start with %q", raw, head)
		return
	}
	// What rsyslog parsed: facility, severity, time, host, app, procid, msgid, SD, msg.
	f := strings.Split(parsed, "\t")
	if len(f) != 9 {
		t.Fatalf("parsed line %q has %d fields", parsed, len(f))
	}
	when, err := time.Parse(time.RFC3339Nano, f[2])
	if err != nil || !when.Equal(rec.Time.Truncate(time.Microsecond)) {
		t.Errorf("rsyslog parsed the time as %q (%v), want %v", f[2], err, rec.Time)
	}
	header := slices.Delete(slices.Clone(f[:8]), 2, 3)
	wantHeader := []string{"16", strconv.Itoa(sev), hostname, "zeta-agent", strconv.Itoa(os.Getpid()), "flow", "-"}
	if !slices.Equal(header, wantHeader) {
		t.Errorf("rsyslog parsed the header as %q, want %q", header, wantHeader)
	}
	if f[8] != payload {
		t.Errorf("rsyslog's msg %q differs from the raw payload %q", f[8], payload)
	}
	switch format {
	case FormatCEF:
		want := "CEF:0|Zeta|zeta-agent|v1.2.3|" + rec.Verdict + "|"
		if !strings.HasPrefix(payload, want) || !strings.Contains(payload, " src="+rec.Source.IP+" ") {
			t.Errorf("CEF payload %q", payload)
		}
	case FormatJSON:
		var got, want any
		if err := json.Unmarshal([]byte(payload), &got); err != nil {
			t.Fatalf("payload is not JSON: %v: %s", err, payload)
		}
		b, _ := json.Marshal((&ocsf.Encoder{Origin: origin}).Event(rec))
		_ = json.Unmarshal(b, &want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("OCSF payload\n got %s\nwant %s", payload, b)
		}
	}
}

// TestRsyslogRestartLosesNothing stops rsyslog after a first stream of
// records, exports more while it is down, restarts it on the same port,
// and counts every record delivered exactly once and in order.
func TestRsyslogRestartLosesNothing(t *testing.T) {
	const before, during = 50, 200
	r := rsyslogtest.Start(t, rsyslogtest.Options{})
	leaks := leaktest.Check(t)
	c := testConfig(r, TLS, FormatCEF)
	c.Hostname = "node-restart"
	c.Queue.Size, c.Queue.MaxBatch = 1000, 64
	e, err := New(c, origin, nil)
	if err != nil {
		t.Fatal(err)
	}

	export1(t, e, flowtest.Numbered(10000, before))
	rsyslogtest.WaitLines(t, r.RawLog, " node-restart ", before, 10*time.Second)

	r.Stop(t)
	for i := 0; i < during; i += 20 {
		export1(t, e, flowtest.Numbered(10000+before+i, 20))
	}
	deadline := time.Now().Add(10 * time.Second)
	for s := e.Stats(); s.Retried == 0 || s.QueueDepth == 0; s = e.Stats() {
		if time.Now().After(deadline) {
			t.Fatalf("the exporter did not notice the receiver is down: %+v", s)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if s := e.Stats(); s.Exported != before || s.Dropped != 0 {
		t.Errorf("while down: Stats = %+v, want %d exported, none dropped", s, before)
	}

	r.Start(t)
	if err := e.Flush(ctxTimeout(t, 30*time.Second)); err != nil {
		t.Fatalf("%v; Stats = %+v", err, e.Stats())
	}
	rsyslogtest.WaitLines(t, r.RawLog, " node-restart ", before+during, 10*time.Second)
	time.Sleep(200 * time.Millisecond) // let duplicates, if any, arrive
	var ports []int
	for _, l := range rsyslogtest.WaitLines(t, r.RawLog, " node-restart ", before+during, time.Second) {
		_, after, _ := strings.Cut(l, " spt=")
		port, _, _ := strings.Cut(after, " ")
		p, err := strconv.Atoi(port)
		if err != nil {
			t.Fatalf("no source port in %q", l)
		}
		ports = append(ports, p-10000)
	}
	var want []int
	for i := range before + during {
		want = append(want, i)
	}
	if !slices.Equal(ports, want) {
		t.Errorf("delivered %d records %v\nwant 0..%d once each, in order", len(ports), ports, before+during-1)
	}
	if s := e.Stats(); s.Exported != before+during || s.Dropped != 0 || s.QueueDepth != 0 || s.Retried == 0 {
		t.Errorf("Stats = %+v", s)
	}
	if err := e.Close(ctxTimeout(t, 5*time.Second)); err != nil {
		t.Error(err)
	}
	leaks()
}

// TestRefusedCertificate: rsyslog refuses a client certificate it does
// not permit. Over TLS 1.3 the client's handshake has already succeeded
// when the refusal comes, so nothing may be counted as exported.
func TestRefusedCertificate(t *testing.T) {
	r := rsyslogtest.Start(t, rsyslogtest.Options{})
	c := testConfig(r, TLS, FormatCEF)
	c.TLS.CertFile, c.TLS.KeyFile = r.PKI.ServerCert, r.PKI.ServerKey // not a client certificate
	e := newExporter(t, c)
	export1(t, e, flowtest.Numbered(1, 5))
	deadline := time.Now().Add(10 * time.Second)
	for e.Stats().Retried < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("no retries: %+v", e.Stats())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if s := e.Stats(); s.Exported != 0 || s.QueueDepth != 5 {
		t.Errorf("Stats = %+v, want all 5 still buffered", s)
	}
	if err := e.Close(ctxTimeout(t, 100*time.Millisecond)); err == nil {
		t.Error("Close delivered through a refused connection")
	}
	if s := e.Stats(); s.Exported != 0 || s.Dropped != 5 || s.QueueDepth != 0 {
		t.Errorf("after Close: Stats = %+v, want 5 dropped", s)
	}
}

// TestDeadReceiverNeverBlocks: a receiver that accepts connections but
// never answers the TLS handshake must not hold up Export, and Close
// gives up when its context ends, counting what it could not deliver.
func TestDeadReceiverNeverBlocks(t *testing.T) {
	t.Cleanup(leaktest.Check(t))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	held := make(chan net.Conn, 100)
	t.Cleanup(func() {
		_ = l.Close()
		for len(held) > 0 {
			_ = (<-held).Close()
		}
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held <- c // never read, never answer
		}
	}()
	c := DefaultConfig()
	c.Address = l.Addr().String()
	c.TLS.InsecureSkipVerify = true
	c.DialTimeout = time.Minute
	e, err := New(c, origin, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		export1(t, e, flowtest.Numbered(1, 100))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = e.Close(ctx)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Close took %v with a 200ms context", d)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close = %v, want deadline exceeded", err)
	}
	if s := e.Stats(); s != (export.Stats{Dropped: 1000}) {
		t.Errorf("Stats = %+v, want 1000 dropped", s)
	}
	if err := e.Export(context.Background(), flowtest.Numbered(1, 1)); !errors.Is(err, export.ErrClosed) {
		t.Errorf("Export after Close = %v", err)
	}
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
