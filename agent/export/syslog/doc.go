// Package syslog exports flow records as RFC 5424 syslog messages over
// TLS (RFC 5425, octet-counting framing), plain TCP (the same framing,
// RFC 6587) or UDP (RFC 5426, one message per datagram), with a CEF or an
// OCSF JSON payload (packages cef and ocsf).
//
// Export encodes each record into its framed message and queues it
// (package queue); the queue's goroutine owns the one connection, dials
// it on demand (watching a new TLS 1.3 connection briefly for a refused
// client certificate), and before every write checks that the receiver
// has not closed it, so that a receiver that stopped between batches costs
// a reconnect, not the batch. TCP has no acknowledgements: what is written
// in the instant a receiver dies can still be lost, and a batch whose
// write failed half-way is sent again whole. UDP is best effort.
package syslog
