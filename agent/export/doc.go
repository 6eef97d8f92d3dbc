// Package export defines what every flow exporter is: the Exporter
// interface the flow pipeline drives, the Stats an exporter reports, the
// Origin (node, host, version) exporters stamp on what they send, and the
// TLS settings exporters read from files.
//
// The exporters live in subpackages, one per destination:
//
//   - otlp: OTLP log records over gRPC or HTTP, through the OpenTelemetry SDK
//   - syslog: RFC 5424 over TLS (RFC 5425), TCP or UDP, with a CEF or OCSF
//     JSON payload (formats in cef and ocsf)
//   - file: JSON lines with size-based rotation
//
// Network exporters buffer records in a bounded queue (package queue) that
// one goroutine per exporter drains, retrying with exponential backoff and
// jitter (package retry). Export only enqueues, so a dead receiver never
// blocks the pipeline; what the buffer cannot hold is dropped and counted.
// Package exporters reads the configuration file and builds the set.
//
// An exporter owns its goroutine and its connections from New until Close.
package export
