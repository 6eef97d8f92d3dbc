package otelcoltest

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"testing"
	"time"
)

// The file exporter writes OTLP/JSON: one LogsData object per line.
type logsData struct {
	ResourceLogs []struct {
		Resource  struct{ Attributes []KeyValue }
		SchemaURL string `json:"schemaUrl"`
		ScopeLogs []struct {
			Scope      Scope
			LogRecords []LogRecord
		}
	}
}

// Scope is an instrumentation scope.
type Scope struct{ Name, Version string }

// LogRecord is a log record as the file exporter writes it.
type LogRecord struct {
	TimeUnixNano, ObservedTimeUnixNano string
	SeverityNumber                     int
	SeverityText                       string
	EventName                          string
	Body                               AnyValue
	Attributes                         []KeyValue
	TraceID                            string `json:"traceId"`
	SpanID                             string `json:"spanId"`
	Flags                              int
}

// KeyValue is an attribute.
type KeyValue struct {
	Key   string
	Value AnyValue
}

// AnyValue is an attribute's or a body's value.
type AnyValue struct {
	StringValue *string
	IntValue    *string // OTLP/JSON writes 64-bit integers as strings
	BoolValue   *bool
	DoubleValue *float64
	KvlistValue *struct{ Values []KeyValue }
}

// Value is the Go value: string, int64, bool, float64, map[string]any
// for a key-value list, nil when unset.
func (v AnyValue) Value() any {
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
		return Attrs(v.KvlistValue.Values)
	}
	return nil
}

// Attrs maps attributes by key to their Values.
func Attrs(kvs []KeyValue) map[string]any {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kv.Value.Value()
	}
	return m
}

// Received is one log record with its resource and scope.
type Received struct {
	Resource  map[string]any
	SchemaURL string
	Scope     Scope
	Record    LogRecord
}

// Records reads what the collector wrote so far, over all its runs; a
// last line still being written is left for the next read.
func (c *Collector) Records(t testing.TB) []Received {
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
	var out []Received
	for line := range bytes.Lines(all) {
		var d logsData
		if err := json.Unmarshal(line, &d); err != nil {
			t.Fatalf("collector output: %v: %s", err, line)
		}
		for _, rl := range d.ResourceLogs {
			res := Attrs(rl.Resource.Attributes)
			for _, sl := range rl.ScopeLogs {
				for _, lr := range sl.LogRecords {
					out = append(out, Received{Resource: res, SchemaURL: rl.SchemaURL, Scope: sl.Scope, Record: lr})
				}
			}
		}
	}
	return out
}

// Wait returns the records that match once there are at least n of
// them; it fails the test when timeout passes first.
func (c *Collector) Wait(t testing.TB, n int, timeout time.Duration, match func(Received) bool) []Received {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var got []Received
		for _, r := range c.Records(t) {
			if match(r) {
				got = append(got, r)
			}
		}
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("collector has %d matching records after %v, want %d", len(got), timeout, n)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// ResourceHas matches the records whose resource attribute key is value.
func ResourceHas(key string, value any) func(Received) bool {
	return func(r Received) bool { return r.Resource[key] == value }
}
