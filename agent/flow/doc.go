// Package flow turns the datapath's flow events into flow records and
// hands them to whoever wants them.
//
// The pieces, in the order a record meets them:
//
//   - Pipeline reads the zeta_events ring buffer on a goroutine of its
//     own (eventmap.Reader), in batches: what the ring holds, read after
//     letting events gather for up to 50 ms, so that new connections do
//     not wake the agent one by one. It decodes each event into a Record
//     (Decode), has the agent enrich it (node, both ends' namespace, pod,
//     labels and SPIFFE ID, the policy rule), counts it by verdict and
//     direction, and publishes the batch to the Hub at once. It also reads the kernel's counters of
//     events that never reached the ring (KernelCounters): lost to a full
//     ring buffer, or refused by an endpoint's rate limit.
//   - Hub keeps the latest Config.Buffer records in a ring (for observers
//     asking for history) and copies each record's pointer into the queue
//     of every consumer: the exporters registered with AddExporter before
//     Run, and the subscribers that come and go (Subscribe, for the API's
//     ObserveFlows). A subscriber's Filter is applied before its queue.
//   - Each consumer's queue holds at most Config.Queue records. Publishing
//     never waits: a full queue drops its oldest record and counts it,
//     per consumer (Stats, and the zeta_flow_consumer_dropped_records_total
//     metric). A slow or stuck exporter loses records; the reader, the
//     ring and every other consumer carry on.
//   - Exporters implement Exporter: Name and Export(ctx, batch). The hub
//     runs one goroutine per exporter that takes up to Config.Batch
//     records at a time from its queue and calls Export. JSONLines, the
//     flow log in the state directory, is one (it writes a batch with one
//     system call, encoding records without reflection); the exporters of
//     package agent/export are others. Export errors are counted and logged once
//     per distinct error; the hub does not retry.
//
// Records are immutable once published: consumers share them.
//
// TraceContext (W3C traceparent) is part of the schema but always empty:
// the datapath sees no trace context today.
//
// Lifetimes: the Pipeline's Run owns the reader and closes it when its
// context ends. The Hub owns the exporters added to it: its Run drives
// them until its context ends, gives each what its queue still holds
// within the drain timeout, and closes those that have a
// Close(context.Context) error method. A Subscription lives until Close.
package flow
