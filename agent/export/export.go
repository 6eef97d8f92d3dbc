package export

import (
	"context"
	"errors"

	"github.com/zeta-net/zeta/agent/flow"
)

// Exporter sends flow records to one destination.
type Exporter interface {
	// Name identifies the exporter in logs and metrics.
	Name() string
	// Export hands a batch to the exporter. Network exporters return as
	// soon as the batch is in their buffer and deliver it in the
	// background; from then on every record is either delivered or
	// counted as dropped. Export never waits for a receiver. It does not
	// keep the records: they are encoded before it returns.
	Export(ctx context.Context, batch []*flow.Record) error
	// Close delivers what is buffered until ctx ends, drops (and counts)
	// the rest, and releases connections and goroutines.
	Close(ctx context.Context) error
}

// StatsReporter is an exporter that counts what it did.
type StatsReporter interface {
	Stats() Stats
}

// Stats are an exporter's counters since it was created.
type Stats struct {
	// Exported is how many records the destination took: acknowledged by
	// an OTLP receiver, written to a syslog connection or datagram, or
	// written to the file.
	Exported uint64
	// Retried is how many delivery attempts failed and were retried
	// after a backoff (an attempt carries a whole batch).
	Retried uint64
	// Dropped is how many records were given up: the buffer was full
	// (the oldest go first), the destination rejected them permanently,
	// they could not be encoded, or the exporter closed before they were
	// delivered.
	Dropped uint64
	// QueueDepth is how many records are buffered and not yet delivered,
	// including the batch being sent.
	QueueDepth int
}

// ErrClosed is returned by Export after Close.
var ErrClosed = errors.New("exporter closed")

// Origin describes the agent that exports: it becomes the OTLP resource,
// the syslog HOSTNAME and the CEF/OCSF device and product fields.
type Origin struct {
	// Node is the Kubernetes node name.
	Node string
	// Host is the host name (os.Hostname when empty).
	Host string
	// Version is the agent's version.
	Version string
}
