// Package otelcoltest runs a real OpenTelemetry Collector for tests: OTLP
// receivers for gRPC and HTTP, plaintext and with mutual TLS (certificates
// from pkitest), all writing what they receive through the file exporter
// to one OTLP/JSON-lines file that Records reads back.
//
// The collector is built once per version into the user's cache by
// tests/components/otelcol.sh. Start runs it for one test, in the test's
// network namespace on loopback or, for the sandbox, in another namespace
// on a given address; it is stopped when the test ends. Stop and Start
// take it down and up again: the file exporter truncates its file when it
// starts, so every run's output is kept and Records reads them all.
package otelcoltest
