// Package rsyslogtest runs a real rsyslog (Debian's rsyslogd with its
// OpenSSL driver) for tests: RFC 5425 TLS that requires a client
// certificate named pkitest.ClientName, plain TCP with octet counting, and
// UDP, all into one ruleset that writes every message twice: RawLog as
// received (%rawmsg%) and ParsedLog as rsyslog parsed it, tab-separated
// (facility, severity, time, hostname, app-name, procid, msgid,
// structured data, message).
//
// Start runs it for one test, in the test's network namespace on
// loopback or, for the sandbox, in another namespace on a given address;
// it is stopped when the test ends. Stop and Start take it down and up
// again; the logs are appended to across runs.
package rsyslogtest
