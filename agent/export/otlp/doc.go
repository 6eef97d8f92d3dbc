// Package otlp exports flow records as OpenTelemetry log records over
// OTLP/gRPC or OTLP/HTTP, through the OpenTelemetry Go SDK: Export turns
// each record into a log record (semantic-convention attributes for the
// network and Kubernetes fields, zeta.* for the rest) and emits it on an
// SDK logger whose processor hands the SDK record to the bounded queue
// (package queue); the queue's goroutine sends batches with the SDK's
// otlploggrpc or otlploghttp exporter, its own retries disabled.
//
// Delivery is acknowledged: a batch counts as exported when the receiver
// answered OK; records it reports rejected in a partial success are
// counted as dropped. Failures the OTLP specification calls retryable
// (gRPC Unavailable, DeadlineExceeded, ...; HTTP 429, 502, 503, 504; no
// answer at all) are retried with backoff, the others drop the batch.
package otlp
