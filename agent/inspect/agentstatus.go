package inspect

import "time"

// IdentitySource says where the agent learns workloads and identities.
type IdentitySource struct {
	// Source describes the cluster state source ("directory /etc/zeta").
	Source      string `json:"source"`
	TrustDomain string `json:"trust_domain"`
	// Identities is how many pod identities the agent numbered.
	Identities int `json:"identities"`
}

// FlowPipeline is the agent's flow fan-out: the in-memory history and the
// queue of every exporter and subscriber.
type FlowPipeline struct {
	// Records is how many records the agent produced.
	Records    uint64 `json:"records"`
	Buffered   int    `json:"buffered"`
	BufferSize int    `json:"buffer_size"`
	// BadEvents could not be decoded.
	BadEvents uint64         `json:"bad_events"`
	Consumers []FlowConsumer `json:"consumers"`
}

// FlowConsumer is one exporter or subscriber and its queue.
type FlowConsumer struct {
	Name string `json:"name"`
	// Kind is exporter or subscriber.
	Kind      string `json:"kind"`
	Queued    int    `json:"queued"`
	QueueSize int    `json:"queue_size"`
	// Delivered records entered the queue and were not dropped; Dropped
	// were pushed out of the full queue, oldest first.
	Delivered uint64 `json:"delivered"`
	Dropped   uint64 `json:"dropped"`
	// For exporters: batches handed over and failed, the last error and
	// the last success. Healthy is false when the last batch failed.
	Batches       uint64         `json:"batches,omitempty"`
	Failures      uint64         `json:"failures,omitempty"`
	LastError     string         `json:"last_error,omitempty"`
	LastErrorTime *time.Time     `json:"last_error_time,omitempty"`
	LastExport    *time.Time     `json:"last_export,omitempty"`
	Healthy       bool           `json:"healthy"`
	Exporter      *ExporterStats `json:"exporter,omitempty"`
}

// ExporterStats are what an exporter counts itself: records its
// destination took, delivery attempts retried, records it gave up, and
// records it buffers.
type ExporterStats struct {
	Exported   uint64 `json:"exported"`
	Retried    uint64 `json:"retried"`
	Dropped    uint64 `json:"dropped"`
	QueueDepth int    `json:"queue_depth"`
}
