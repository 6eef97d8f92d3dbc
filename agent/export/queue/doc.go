// Package queue is the bounded buffer between an exporter's Export and
// its destination: Push never blocks and, when the buffer is full, drops
// the oldest records; one goroutine per queue takes batches off the front
// and makes delivery attempts, retrying failures with exponential backoff
// and jitter until the batch is delivered, the error is permanent, the
// retry budget is spent, or the queue closes. It counts what it exported,
// retried and dropped.
//
// The goroutine runs from New until Close returns.
package queue
