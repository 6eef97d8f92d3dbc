// Package eventmap owns the flow event path out of the kernel: the
// zeta_events ring buffer and its record type, the per-endpoint rate
// limiter (zeta_event_rate and its settings in zeta_config) and the
// counters of events the kernel could not deliver (zeta_counters).
package eventmap
