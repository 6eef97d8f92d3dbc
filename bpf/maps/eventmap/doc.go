// Package eventmap owns the flow event path out of the kernel: the
// zeta_events ring buffer and its record type, the per-endpoint rate
// limiter (zeta_event_rate and its settings in zeta_config) and the
// counters of events the kernel could not deliver (zeta_counters).
//
// Reader reads the ring in batches and lets events gather between them,
// so that a stream of new connections costs the agent a wakeup per batch,
// not one per event, while an idle ring costs nothing (see Reader).
package eventmap
