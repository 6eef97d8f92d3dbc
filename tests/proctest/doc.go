// Package proctest runs the receivers a test talks to (the OpenTelemetry
// Collector, rsyslogd) as child processes: Process starts one, optionally
// inside another network namespace through nsenter, waits until it listens
// on its TCP ports, and stops it with SIGTERM. Readiness is read from
// /proc/PID/net/tcp{,6}, the listening sockets of the process's own
// namespace, so it works wherever the process runs.
package proctest
