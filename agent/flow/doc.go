// Package flow turns the datapath's flow events into flow records: it
// reads the ring buffer on a goroutine of its own, decodes each event,
// has the agent enrich it with what it knows of both ends, and hands the
// record to the sinks (a JSON-lines log today).
package flow
